package io.ragreactor.actuators.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.GoldenQuery;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates a shard with golden queries sent to the retriever's {@code POST /debug/retrieve} endpoint pinned
 * to that shard. A query passes when one of its expected ids is in the top k at or above the minimum score;
 * the step succeeds only when every query passes, and its evidence contains one result per query.
 */
public final class GoldenQueryHandler implements ActionHandler<ValidateGoldenQueries> {

    /** Path of the retriever's debug endpoint below its base URL. */
    public static final String RETRIEVE_PATH = "/debug/retrieve";
    /** Most queries one command may send, so a step stays bounded. */
    public static final int MAX_QUERIES = 200;

    private static final Logger LOG = LoggerFactory.getLogger(GoldenQueryHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_CHARS = 512;

    private final HttpClient http;

    public GoldenQueryHandler(final HttpClient http) {
        this.http = http;
    }

    @Override
    public Class<ValidateGoldenQueries> actionType() {
        return ValidateGoldenQueries.class;
    }

    @Override
    public void checkGuards(final ValidateGoldenQueries action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.parameter(isHttpUrl(action.getRetrieverUrl()), "retrieverUrl", action.getRetrieverUrl(),
                "must be an http or https URL with a host and without query or fragment");
        guards.dnsLabel("shard", action.getShard());
        guards.parameter(action.getTopK() > 0, "topK", action.getTopK(), "must be positive");
        guards.parameter(action.getMinScore() >= 0 && !Double.isNaN(action.getMinScore()), "minScore",
                action.getMinScore(), "must be a number at or above 0");
        guards.parameter(!action.getQueries().isEmpty() && action.getQueries().size() <= MAX_QUERIES, "queries",
                action.getQueries().size() + " queries", "must hold between 1 and " + MAX_QUERIES + " queries");
        guards.parameter(action.getRequestTimeoutMs() > 0, "requestTimeoutMs", action.getRequestTimeoutMs(),
                "must be positive");
    }

    @Override
    public StepResult execute(final ValidateGoldenQueries action, final ExecutionContext context) {
        final URI endpoint = URI.create(stripSlash(action.getRetrieverUrl()) + RETRIEVE_PATH);
        if (context.dryRun()) {
            for (final GoldenQuery query : action.getQueries()) {
                context.recordCall("POST " + endpoint + " qid=" + query.getQid());
            }
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would send " + action.getQueries().size()
                    + " golden queries to " + endpoint + " pinned to " + action.getShard());
        }
        final List<Evidence> evidence = new ArrayList<>();
        int passed = 0;
        for (final GoldenQuery query : action.getQueries()) {
            final QueryResult result = run(action, query, endpoint);
            context.recordCall("POST " + endpoint + " qid=" + query.getQid());
            evidence.add(Evidences.of("query-result", endpoint + " qid=" + query.getQid(), result.text()));
            if (result.passed()) {
                passed++;
            }
        }
        final int total = action.getQueries().size();
        LOG.info("Golden queries done: shard=[{}] passed=[{}] total=[{}] {}", action.getShard(), passed, total, context);
        if (passed == total) {
            return StepResult.of(OutcomeReason.OK, "all " + total + " golden queries passed on " + action.getShard(),
                    evidence);
        }
        return StepResult.of(OutcomeReason.VALIDATION_FAILED, (total - passed) + " of " + total
                + " golden queries failed on " + action.getShard(), evidence);
    }

    private QueryResult run(final ValidateGoldenQueries action, final GoldenQuery query, final URI endpoint) {
        final ObjectNode body = JSON.createObjectNode();
        body.put("qid", query.getQid());
        body.put("q", query.getQuestion());
        body.put("shard", action.getShard());
        body.put("k", action.getTopK());

        final HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofMillis(action.getRequestTimeoutMs()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
        final HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (final HttpTimeoutException e) {
            return QueryResult.fail(query.getQid() + " fail: no answer within " + action.getRequestTimeoutMs() + " ms");
        } catch (final IOException e) {
            return QueryResult.fail(query.getQid() + " fail: request failed: " + e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return QueryResult.fail(query.getQid() + " fail: interrupted");
        }

        if (response.statusCode() != 200) {
            return QueryResult.fail(query.getQid() + " fail: HTTP " + response.statusCode() + " "
                    + abbreviate(response.body()));
        }
        final JsonNode retrieved;
        try {
            retrieved = JSON.readTree(response.body()).path("retrieved");
        } catch (final IOException e) {
            return QueryResult.fail(query.getQid() + " fail: answer is not JSON: " + abbreviate(response.body()));
        }
        if (!retrieved.isArray()) {
            return QueryResult.fail(query.getQid() + " fail: answer has no retrieved array: "
                    + abbreviate(response.body()));
        }
        return judge(query, retrieved, action.getTopK(), action.getMinScore());
    }

    /** Applies the pass rule to the first {@code topK} documents, which the retriever returns best first. */
    static QueryResult judge(final GoldenQuery query, final JsonNode retrieved, final int topK, final double minScore) {
        final List<String> seen = new ArrayList<>();
        for (int rank = 0; rank < Math.min(topK, retrieved.size()); rank++) {
            final JsonNode document = retrieved.get(rank);
            final String id = document.path("id").asText("");
            final double score = document.path("score").asDouble(Double.NaN);
            seen.add(id + " " + String.format(Locale.ROOT, "%.3f", score));
            if (query.getExpectedIds().contains(id) && score >= minScore) {
                return QueryResult.pass(query.getQid() + " pass: " + id + " at rank " + (rank + 1) + " with score "
                        + String.format(Locale.ROOT, "%.3f", score));
            }
        }
        return QueryResult.fail(query.getQid() + " fail: none of " + query.getExpectedIds() + " in the top " + topK
                + " at or above " + minScore + "; returned " + (seen.isEmpty() ? "nothing" : seen));
    }

    private static boolean isHttpUrl(final String value) {
        if (value == null) {
            return false;
        }
        try {
            final URI uri = new URI(value);
            final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return ("http".equals(scheme) || "https".equals(scheme)) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null;
        } catch (final URISyntaxException e) {
            return false;
        }
    }

    private static String stripSlash(final String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String abbreviate(final String body) {
        return body.length() <= MAX_BODY_CHARS ? body : body.substring(0, MAX_BODY_CHARS) + "...";
    }

    /** Whether one golden query passed, with one line saying why. */
    record QueryResult(boolean passed, String text) {
        static QueryResult pass(final String text) {
            return new QueryResult(true, text);
        }

        static QueryResult fail(final String text) {
            return new QueryResult(false, text);
        }
    }
}
