package io.ragreactor.ingress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexErrorKind;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.RetrievedDocument;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the JSON lines that the golden-query prober and the vectorstore's log shipper write: a prober
 * line becomes a {@link GoldenQueryResult}, a log line that matches the runbook's IO or checksum
 * patterns becomes an {@link IndexIoError}, and source names map to targets by the runbook's rules.
 * Event ids are derived from the line's content, so parsing the same line twice gives the same id.
 */
public final class ProbeLineParser implements LineParser {

    /** Maximum length of a log message copied into an event; longer ones are truncated. */
    static final int MAX_MESSAGE_CHARS = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LEADING_TIMESTAMP = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z)\\s");

    private final Runbook runbook;
    private final ShardDownSettings.Detection detection;

    public ProbeLineParser(final Runbook runbook) {
        this.runbook = runbook;
        this.detection = runbook.shardDown().detection();
    }

    @Override
    public ParsedLine parse(final String line) {
        final JsonNode json;
        try {
            json = JSON.readTree(line);
        } catch (final JsonProcessingException e) {
            return rejected("line is not JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            return rejected("line is not a JSON object");
        }
        if (json.hasNonNull("prober")) {
            return parseProberLine(json, line);
        }
        if (json.hasNonNull("line") && json.hasNonNull("pod")) {
            return parseLogLine(json, line);
        }
        return rejected("line is neither a prober result (field prober) nor a log line (fields pod and line)");
    }

    private ParsedLine parseProberLine(final JsonNode json, final String line) {
        final Optional<Instant> at = instant(json.path("at").asText(""));
        if (at.isEmpty()) {
            return new ParsedLine.Rejected(DeadLetterReason.BAD_OBSERVATION_TIME,
                    "field at is missing or not an ISO-8601 instant: " + json.path("at"));
        }
        final String shard = json.path("shard").asText("");
        final Optional<String> target = runbook.targetFor("shard", shard);
        if (target.isEmpty()) {
            return new ParsedLine.Rejected(DeadLetterReason.INVALID_TARGET, "shard '" + shard
                    + "' matches no rule for source shard in the runbook's targets");
        }
        final String qid = json.path("qid").asText("");
        if (qid.isEmpty() || !json.path("retrieved").isArray()) {
            return rejected("prober line needs qid and a retrieved list");
        }
        final List<RetrievedDocument> retrieved = new ArrayList<>();
        for (final JsonNode document : json.path("retrieved")) {
            if (!document.path("id").isTextual() || !document.path("score").isNumber()) {
                return rejected("retrieved entry needs a string id and a numeric score: " + document);
            }
            retrieved.add(new RetrievedDocument(document.path("id").asText(), document.path("score").asDouble()));
        }
        final GoldenQueryResult result = new GoldenQueryResult(qid, retrieved, json.path("latencyMs").asLong(0));
        return event(at.get(), target.get(), json.path("prober").asText(), result, line);
    }

    private ParsedLine parseLogLine(final JsonNode json, final String line) {
        final String pod = json.path("pod").asText();
        final String message = json.path("line").asText();
        final Optional<IndexErrorKind> kind = classify(message);
        if (kind.isEmpty()) {
            return new ParsedLine.Skipped("log line matches no IO or checksum pattern");
        }
        final Optional<String> target = runbook.targetFor("pod", pod);
        if (target.isEmpty()) {
            return new ParsedLine.Rejected(DeadLetterReason.INVALID_TARGET, "pod '" + pod
                    + "' matches no rule for source pod in the runbook's targets");
        }
        // The log line's own timestamp is when the shard saw the error; the shipper's is later.
        final Matcher leading = LEADING_TIMESTAMP.matcher(message);
        final Optional<Instant> at = leading.find() ? instant(leading.group(1)) : instant(json.path("at").asText(""));
        if (at.isEmpty()) {
            return new ParsedLine.Rejected(DeadLetterReason.BAD_OBSERVATION_TIME,
                    "log line has no timestamp of its own and field at is missing or invalid");
        }
        final Matcher segment = detection.segmentPattern().matcher(message);
        final String kept = message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) : message;
        final IndexIoError error = new IndexIoError(kind.get(), kept, segment.find() ? segment.group() : null, pod);
        return event(at.get(), target.get(), json.path("source").asText("vectorstore-log"), error, line);
    }

    /** IO or checksum error by the runbook's patterns; checksum first, since such lines often mention IO too. */
    private Optional<IndexErrorKind> classify(final String message) {
        for (final Pattern pattern : detection.checksumErrorPatterns()) {
            if (pattern.matcher(message).find()) {
                return Optional.of(IndexErrorKind.CHECKSUM);
            }
        }
        for (final Pattern pattern : detection.ioErrorPatterns()) {
            if (pattern.matcher(message).find()) {
                return Optional.of(IndexErrorKind.IO);
            }
        }
        return Optional.empty();
    }

    private static ParsedLine event(final Instant at, final String target, final String source, final Object payload,
                                    final String line) {
        return new ParsedLine.Event(HealthEvent.newBuilder()
                .setEventId(EventIds.fromContent(source, line))
                .setObservedAt(at)
                .setTarget(target)
                .setSource(source)
                .setPayload(payload)
                .build());
    }

    private static ParsedLine rejected(final String message) {
        return new ParsedLine.Rejected(DeadLetterReason.UNPARSEABLE_INPUT, message);
    }

    private static Optional<Instant> instant(final String text) {
        try {
            return text.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(text));
        } catch (final DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
