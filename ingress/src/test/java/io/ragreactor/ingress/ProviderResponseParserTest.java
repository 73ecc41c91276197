package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ProviderError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProviderResponseParserTest {

    private static final String PRIMARY = "rag-prod/generator/primary-llm";
    private static final String BACKUP = "rag-prod/generator/backup-llm";

    private final Runbook runbook = Runbook.defaults();
    private final ProviderResponseParser parser = new ProviderResponseParser(runbook);

    /** What one sample line must map to. */
    private record Expected(String target, String provider, int status, String errorType, Long retryAfterSeconds) {
    }

    private static List<String> sampleLines() throws IOException {
        try (InputStream in = ProviderResponseParserTest.class.getResourceAsStream("/llm-provider-responses.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private HealthEvent event(final String line) {
        final ParsedLine parsed = parser.parse(line);
        assertThat(parsed).as("parsed %s", line).isInstanceOf(ParsedLine.Event.class);
        return ((ParsedLine.Event) parsed).event();
    }

    private ProviderError error(final String line) {
        return (ProviderError) event(line).getPayload();
    }

    private ParsedLine.Rejected rejected(final String line) {
        final ParsedLine parsed = parser.parse(line);
        assertThat(parsed).as("parsed %s", line).isInstanceOf(ParsedLine.Rejected.class);
        return (ParsedLine.Rejected) parsed;
    }

    /** Builds a line of the sample's shape with the given status, headers and body. */
    private static String line(final int status, final String headers, final String body) {
        return "{\"at\":\"2026-11-30T09:21:30.002Z\",\"provider\":\"primary-llm\",\"request\":\"POST /v1/chat/completions\","
                + "\"status\":" + status + ",\"headers\":" + headers + ",\"body\":" + body + "}";
    }

    @Test
    void shouldMapEverySampleLine() throws IOException {
        // Given the RAG API's record of failed provider calls and what each line means
        final List<Expected> expected = List.of(
                new Expected(PRIMARY, "primary-llm", 503, "server_error", null),
                new Expected(PRIMARY, "primary-llm", 502, null, null),
                new Expected(PRIMARY, "primary-llm", 503, "server_error", null),
                new Expected(PRIMARY, "primary-llm", 500, "server_error", null),
                new Expected(PRIMARY, "primary-llm", 503, "server_error", null),
                new Expected(PRIMARY, "primary-llm", 504, null, null),
                new Expected(PRIMARY, "primary-llm", 429, "rate_limit_exceeded", 33L),
                new Expected(PRIMARY, "primary-llm", 429, "rate_limit_exceeded", 32L),
                new Expected(BACKUP, "backup-llm", 529, "overloaded_error", null),
                new Expected(BACKUP, "backup-llm", 401, "authentication_error", null),
                new Expected(PRIMARY, "primary-llm", 401, "invalid_api_key", null),
                new Expected(PRIMARY, "primary-llm", 400, "insufficient_quota", null));
        final List<String> lines = sampleLines();
        assertThat(lines).hasSameSizeAs(expected);

        // When every line is parsed
        for (int i = 0; i < lines.size(); i++) {
            final HealthEvent event = event(lines.get(i));
            final ProviderError error = (ProviderError) event.getPayload();

            // Then each becomes a provider error of its provider's target with the expected fields
            final Expected want = expected.get(i);
            assertThat(event.getTarget()).as("target of line %d", i + 1).isEqualTo(want.target());
            assertThat(event.getSource()).as("source of line %d", i + 1).isEqualTo("rag-api");
            assertThat(error.getProvider()).as("provider of line %d", i + 1).isEqualTo(want.provider());
            assertThat(error.getHttpStatus()).as("status of line %d", i + 1).isEqualTo(want.status());
            assertThat(error.getErrorType()).as("error type of line %d", i + 1).isEqualTo(want.errorType());
            assertThat(error.getRetryAfterSeconds()).as("Retry-After of line %d", i + 1)
                    .isEqualTo(want.retryAfterSeconds());
        }
    }

    @Test
    void shouldKeepTimeRequestAndMessage() throws IOException {
        // When the first rate-limited call is parsed
        final HealthEvent event = event(sampleLines().get(6));
        final ProviderError error = (ProviderError) event.getPayload();

        // Then the event time is the line's at, and the request and body message are kept
        assertThat(event.getObservedAt()).isEqualTo(Instant.parse("2026-11-30T09:21:30.002Z"));
        assertThat(error.getRequest()).isEqualTo("POST /v1/chat/completions");
        assertThat(error.getMessage()).isEqualTo("Rate limit reached for requests per minute. Please try again in 33s.");
    }

    @Test
    void shouldTakeMessageFromBothErrorBodyShapes() throws IOException {
        // When the two providers' 401 lines are parsed
        final ProviderError backup = error(sampleLines().get(9));
        final ProviderError primary = error(sampleLines().get(10));

        // Then each message comes from its body's error object
        assertThat(backup.getMessage()).isEqualTo("invalid x-api-key");
        assertThat(primary.getMessage()).startsWith("Incorrect API key provided:");
    }

    @Test
    void shouldKeepTextBodiesAsMessage() throws IOException {
        // When the 502 line with an HTML body and the 504 line with a plain-text body are parsed
        final ProviderError html = error(sampleLines().get(1));
        final ProviderError text = error(sampleLines().get(5));

        // Then their bodies are the messages, as they were sent
        assertThat(html.getMessage()).startsWith("<html><head><title>502 Bad Gateway</title>");
        assertThat(text.getMessage()).isEqualTo("upstream request timeout");
    }

    @Test
    void shouldMapQuotaErrorToRunbookQuotaType() throws IOException {
        // When the 400 quota line is parsed
        final ProviderError quota = error(sampleLines().get(11));

        // Then its error type is one the runbook counts as an exhausted quota
        assertThat(runbook.providerOutage().detection().quotaErrorTypes()).contains(quota.getErrorType());
    }

    @Test
    void shouldMaskEchoedKeyInMessage() {
        // Given a 401 whose message echoes the rejected key in full
        final String key = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4";
        final ProviderError error = error(line(401, "{}", "{\"error\":{\"message\":\"Incorrect API key provided: "
                + key + ".\",\"type\":\"invalid_request_error\"}}"));

        // Then the key never reaches the health topic
        assertThat(error.getMessage()).doesNotContain(key).isEqualTo("Incorrect API key provided: ****.");
    }

    @Test
    void shouldMatchRetryAfterHeaderCaseInsensitively() {
        // When the header is spelled Retry-After and its value is a number, not a string
        final ProviderError error = error(line(429, "{\"Retry-After\":12}", "{}"));

        // Then its seconds are kept
        assertThat(error.getRetryAfterSeconds()).isEqualTo(12L);
    }

    @Test
    void shouldConvertRetryAfterDateToSeconds() {
        // Given a call observed at 09:21:30.002 and Retry-After dates 33 s later, 2 s earlier, and not a date
        final ProviderError later = error(line(429, "{\"retry-after\":\"Mon, 30 Nov 2026 09:22:03 GMT\"}", "{}"));
        final ProviderError earlier = error(line(429, "{\"RETRY-AFTER\":\"Mon, 30 Nov 2026 09:21:28 GMT\"}", "{}"));
        final ProviderError invalid = error(line(429, "{\"retry-after\":\"soon\"}", "{}"));

        // Then the seconds until the date are rounded up, a past date waits 0 s, and an invalid value is left out
        assertThat(later.getRetryAfterSeconds()).isEqualTo(33L);
        assertThat(earlier.getRetryAfterSeconds()).isEqualTo(0L);
        assertThat(invalid.getRetryAfterSeconds()).isNull();
    }

    @Test
    void shouldPreferErrorCodeOverType() {
        // When a body carries both a code and a type, or a type with a null code
        final ProviderError both = error(line(429, "{}",
                "{\"error\":{\"message\":\"m\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}"));
        final ProviderError typeOnly = error(line(500, "{}",
                "{\"error\":{\"message\":\"m\",\"type\":\"server_error\",\"code\":null}}"));

        // Then the code wins when it is set, and the type is used otherwise
        assertThat(both.getErrorType()).isEqualTo("insufficient_quota");
        assertThat(typeOnly.getErrorType()).isEqualTo("server_error");
    }

    @Test
    void shouldTruncateLongMessages() {
        // Given a plain-text body longer than the message limit
        final String body = "upstream timeout. ".repeat(ProbeLineParser.MAX_MESSAGE_CHARS / 10);

        // When it is parsed
        final ProviderError error = error(line(503, "{\"content-type\":\"text/plain\"}", "\"" + body + "\""));

        // Then the message is cut to the limit
        assertThat(error.getMessage()).hasSize(ProbeLineParser.MAX_MESSAGE_CHARS);
    }

    @Test
    void shouldLeaveAbsentOptionalFieldsNull() {
        // When a line has only the required fields
        final ProviderError error = error("{\"at\":\"2026-11-30T09:15:01Z\",\"provider\":\"primary-llm\",\"status\":503}");

        // Then the optional fields are null
        assertThat(error.getHttpStatus()).isEqualTo(503);
        assertThat(error.getErrorType()).isNull();
        assertThat(error.getRetryAfterSeconds()).isNull();
        assertThat(error.getRequest()).isNull();
        assertThat(error.getMessage()).isNull();
    }

    @Test
    void shouldDeriveEventIdsFromLineContent() throws IOException {
        // Given two sample lines that differ only in their time
        final String first = sampleLines().get(2);
        final String second = sampleLines().get(4);

        // Then the same line gets the same id each time, and different lines get different ids
        assertThat(event(first).getEventId()).isEqualTo(event(first).getEventId());
        assertThat(event(first).getEventId()).isNotEqualTo(event(second).getEventId());
        assertThat(event(first).getEventId()).startsWith("rag-api-");
    }

    @Test
    void shouldRejectLinesThatAreNotJsonObjects() {
        // When a line is not JSON, JSON but no object, or two objects, then it is rejected as unparseable
        assertThat(rejected("not json").reason()).isEqualTo(DeadLetterReason.UNPARSEABLE_INPUT);
        assertThat(rejected("[1, 2]").message()).isEqualTo("line is not a JSON object");
        assertThat(rejected("{\"at\":\"2026-11-30T09:15:01Z\",\"provider\":\"primary-llm\",\"status\":503} {}")
                .message()).startsWith("line is not JSON");
    }

    @Test
    void shouldRejectMissingOrInvalidObservationTime() {
        // When a line has no at, or an at that is no instant
        final ParsedLine.Rejected missing = rejected("{\"provider\":\"primary-llm\",\"status\":503}");
        final ParsedLine.Rejected invalid = rejected("{\"at\":\"yesterday\",\"provider\":\"primary-llm\",\"status\":503}");

        // Then both are rejected for their observation time
        assertThat(missing.reason()).isEqualTo(DeadLetterReason.BAD_OBSERVATION_TIME);
        assertThat(invalid.reason()).isEqualTo(DeadLetterReason.BAD_OBSERVATION_TIME);
        assertThat(invalid.message()).contains("field at", "yesterday");
    }

    @Test
    void shouldRejectMissingProvider() {
        // When a line has no provider, or a blank one
        final ParsedLine.Rejected missing = rejected("{\"at\":\"2026-11-30T09:15:01Z\",\"status\":503}");
        final ParsedLine.Rejected blank = rejected("{\"at\":\"2026-11-30T09:15:01Z\",\"provider\":\" \",\"status\":503}");

        // Then both are rejected, naming the field
        assertThat(missing.reason()).isEqualTo(DeadLetterReason.UNPARSEABLE_INPUT);
        assertThat(missing.message()).contains("field provider");
        assertThat(blank.message()).contains("field provider");
    }

    @Test
    void shouldRejectMissingOrNonIntegerStatus() {
        // When a line has no status, a string status, or a fractional one
        final ParsedLine.Rejected missing = rejected("{\"at\":\"2026-11-30T09:15:01Z\",\"provider\":\"primary-llm\"}");
        final ParsedLine.Rejected text = rejected(
                "{\"at\":\"2026-11-30T09:15:01Z\",\"provider\":\"primary-llm\",\"status\":\"503\"}");
        final ParsedLine.Rejected fraction = rejected(
                "{\"at\":\"2026-11-30T09:15:01Z\",\"provider\":\"primary-llm\",\"status\":503.5}");

        // Then each is rejected, naming the field
        assertThat(missing.reason()).isEqualTo(DeadLetterReason.UNPARSEABLE_INPUT);
        assertThat(missing.message()).contains("field status");
        assertThat(text.message()).contains("field status");
        assertThat(fraction.message()).contains("field status");
    }

    @Test
    void shouldRejectStatusOutsideHttpRange() {
        // When a status is below 100 or above 599
        final ParsedLine.Rejected low = rejected(line(99, "{}", "{}"));
        final ParsedLine.Rejected high = rejected(line(600, "{}", "{}"));

        // Then it is rejected with the value and the valid range
        assertThat(low.reason()).isEqualTo(DeadLetterReason.UNPARSEABLE_INPUT);
        assertThat(low.message()).contains("99", "100 to 599");
        assertThat(high.message()).contains("600", "100 to 599");
    }

    @Test
    void shouldRejectHeadersThatAreNotObject() {
        // When headers is a list instead of an object, then the line is rejected, naming the field
        assertThat(rejected(line(429, "[\"retry-after: 3\"]", "{}")).message()).contains("field headers");
    }

    @Test
    void shouldRejectProviderMatchingNoTargetRule() {
        // When the provider name is no valid Kubernetes name, so no runbook rule for providers matches it
        final ParsedLine.Rejected rejected = rejected(
                "{\"at\":\"2026-11-30T09:15:01Z\",\"provider\":\"Primary_LLM/../x\",\"status\":503}");

        // Then the line is rejected for its target
        assertThat(rejected.reason()).isEqualTo(DeadLetterReason.INVALID_TARGET);
        assertThat(rejected.message()).contains("Primary_LLM/../x", "provider");
    }
}
