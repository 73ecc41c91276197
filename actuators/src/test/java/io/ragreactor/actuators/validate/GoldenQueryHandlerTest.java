package io.ragreactor.actuators.validate;

import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.GoldenQuery;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs golden queries against a stand-in of the retriever's debug endpoint that returns canned results by qid. */
class GoldenQueryHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> answersByQid = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> requestsByQid = new ConcurrentHashMap<>();
    private HttpServer retriever;
    private CommandExecutor executor;

    @BeforeEach
    void startRetriever() throws IOException {
        retriever = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        retriever.createContext("/debug/retrieve", this::answer);
        retriever.start();
        executor = TestCommands.executor(List.of(new GoldenQueryHandler(HttpClient.newHttpClient())));
    }

    @AfterEach
    void stopRetriever() {
        retriever.stop(0);
    }

    @Test
    void shouldPassWhenEveryQueryFindsExpected() {
        // Given
        answersByQid.put("gq-001", "{\"retrieved\":[{\"id\":\"doc-x\",\"score\":0.95},{\"id\":\"doc-kb-1183\",\"score\":0.81}]}");
        answersByQid.put("gq-002", "{\"retrieved\":[{\"id\":\"doc-pol-0041\",\"score\":0.72}]}");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-validate-1", "validate", validation()));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getEvidence()).extracting(Evidence::getText).containsExactly(
                "gq-001 pass: doc-kb-1183 at rank 2 with score 0.810",
                "gq-002 pass: doc-pol-0041 at rank 1 with score 0.720");
        final JsonNode request = requestsByQid.get("gq-001");
        assertThat(request.path("q").asText()).isEqualTo("How do I rotate the API signing key?");
        assertThat(request.path("shard").asText()).isEqualTo("shard-3");
        assertThat(request.path("k").asInt()).isEqualTo(2);
        assertThat(outcome.getCalls()).containsExactly("POST " + url() + "/debug/retrieve qid=gq-001",
                "POST " + url() + "/debug/retrieve qid=gq-002");
    }

    @Test
    void shouldFailValidationWithPerQueryEvidence() {
        // Given one query whose expected document ranks below the top k, one below the minimum score, one empty
        answersByQid.put("gq-001", "{\"retrieved\":[{\"id\":\"doc-a\",\"score\":0.9},{\"id\":\"doc-b\",\"score\":0.85},"
                + "{\"id\":\"doc-kb-1182\",\"score\":0.8}]}");
        answersByQid.put("gq-002", "{\"retrieved\":[{\"id\":\"doc-pol-0041\",\"score\":0.70}]}");
        answersByQid.put("gq-003", "{\"retrieved\":[]}");
        final ValidateGoldenQueries action = validation();
        action.setQueries(List.of(action.getQueries().get(0), action.getQueries().get(1),
                query("gq-003", "Which regions support data residency?", "doc-pol-0107")));

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-validate-2", "validate", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("validation-failed");
        assertThat(outcome.getDetail()).isEqualTo("3 of 3 golden queries failed on shard-3");
        assertThat(outcome.getEvidence()).extracting(Evidence::getText).containsExactly(
                "gq-001 fail: none of [doc-kb-1182, doc-kb-1183] in the top 2 at or above 0.72; returned [doc-a 0.900,"
                        + " doc-b 0.850]",
                "gq-002 fail: none of [doc-pol-0041] in the top 2 at or above 0.72; returned [doc-pol-0041 0.700]",
                "gq-003 fail: none of [doc-pol-0107] in the top 2 at or above 0.72; returned nothing");
    }

    @Test
    void shouldFailValidationWhenRetrieverAnswersWithError() {
        // Given no canned result for gq-002, so the stand-in returns HTTP 503
        answersByQid.put("gq-001", "{\"retrieved\":[{\"id\":\"doc-kb-1182\",\"score\":0.9}]}");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-validate-3", "validate", validation()));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("validation-failed");
        assertThat(outcome.getEvidence().get(1).getText()).startsWith("gq-002 fail: HTTP 503");
    }

    private ValidateGoldenQueries validation() {
        return ValidateGoldenQueries.newBuilder()
                .setRetrieverUrl(url())
                .setShard("shard-3")
                .setTopK(2)
                .setMinScore(0.72)
                .setQueries(List.of(
                        query("gq-001", "How do I rotate the API signing key?", "doc-kb-1182", "doc-kb-1183"),
                        query("gq-002", "What is the refund window for annual plans?", "doc-pol-0041")))
                .setRequestTimeoutMs(2_000)
                .build();
    }

    private static GoldenQuery query(final String qid, final String question, final String... expectedIds) {
        return GoldenQuery.newBuilder().setQid(qid).setQuestion(question).setExpectedIds(List.of(expectedIds)).build();
    }

    private String url() {
        return "http://127.0.0.1:" + retriever.getAddress().getPort();
    }

    private void answer(final HttpExchange exchange) throws IOException {
        final JsonNode request = JSON.readTree(exchange.getRequestBody());
        final String qid = request.path("qid").asText();
        requestsByQid.put(qid, request);
        final String answer = answersByQid.get(qid);
        final byte[] body = (answer == null ? "{\"error\":\"shard unavailable\"}" : answer).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer == null ? 503 : 200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
