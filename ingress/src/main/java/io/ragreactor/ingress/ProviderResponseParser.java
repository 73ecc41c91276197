package io.ragreactor.ingress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ProviderError;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Parses the RAG API's record of failed LLM provider calls, one JSON object per line with the fields
 * {@code at}, {@code provider}, {@code request}, {@code status}, {@code headers} and {@code body}, into
 * {@link ProviderError} events. Provider names map to targets by the runbook's rules for source
 * {@value #TARGET_SOURCE_KIND}, and event ids are derived from the line's content.
 */
public final class ProviderResponseParser implements LineParser {

    /** Long runs of key-like characters in a message, masked like the reactor masks them in evidence. */
    private static final Pattern KEY_LIKE = Pattern.compile("[A-Za-z0-9_\\-]{24,}");

    /** Source name of the events: the RAG API, which made the failed calls. */
    public static final String SOURCE = "rag-api";

    /** Source kind of the runbook's target rules that map a provider name to its target. */
    public static final String TARGET_SOURCE_KIND = "provider";

    /** JSON reader that fails on text after the first value, so two records run together are rejected. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final String RETRY_AFTER = "retry-after";
    private static final Pattern DELAY_SECONDS = Pattern.compile("[0-9]{1,18}");
    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;

    private final Runbook runbook;

    public ProviderResponseParser(final Runbook runbook) {
        this.runbook = runbook;
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

        // Required fields, each with its own reason, so a dead letter names what to fix.
        final Optional<Instant> at = instant(json.path("at").asText(""));
        if (at.isEmpty()) {
            return new ParsedLine.Rejected(DeadLetterReason.BAD_OBSERVATION_TIME,
                    "field at is missing or not an ISO-8601 instant: " + json.path("at"));
        }
        final JsonNode providerNode = json.path("provider");
        if (!providerNode.isTextual() || providerNode.asText().isBlank()) {
            return rejected("field provider is missing or not a non-blank string: " + providerNode);
        }
        final String provider = providerNode.asText();
        final JsonNode statusNode = json.path("status");
        if (!statusNode.canConvertToExactIntegral() || !statusNode.canConvertToInt()) {
            return rejected("field status is missing or not an integer: " + statusNode);
        }
        final int status = statusNode.asInt();
        if (status < MIN_STATUS || status > MAX_STATUS) {
            return rejected("field status " + status + " is not an HTTP status (" + MIN_STATUS + " to "
                    + MAX_STATUS + ")");
        }
        final JsonNode headers = json.path("headers");
        if (!headers.isMissingNode() && !headers.isNull() && !headers.isObject()) {
            return rejected("field headers is not a JSON object: " + headers);
        }
        final Optional<String> target = runbook.targetFor(TARGET_SOURCE_KIND, provider);
        if (target.isEmpty()) {
            return new ParsedLine.Rejected(DeadLetterReason.INVALID_TARGET, "provider '" + provider
                    + "' matches no rule for source " + TARGET_SOURCE_KIND + " in the runbook's targets");
        }

        // Optional fields: a line without them still records a failed call.
        final JsonNode body = json.path("body");
        final ProviderError error = ProviderError.newBuilder()
                .setProvider(provider)
                .setHttpStatus(status)
                .setErrorType(errorType(body))
                .setRetryAfterSeconds(retryAfterSeconds(headers, at.get()))
                .setRequest(json.path("request").isTextual() ? json.path("request").asText() : null)
                .setMessage(message(body))
                .build();
        return new ParsedLine.Event(HealthEvent.newBuilder()
                .setEventId(EventIds.fromContent(SOURCE, line))
                .setObservedAt(at.get())
                .setTarget(target.get())
                .setSource(SOURCE)
                .setPayload(error)
                .build());
    }

    /**
     * Returns the error type of a JSON error body. Bodies shaped {@code {"error": {"type", "code"}}} may carry
     * both, and the code is the more specific one when it is set ({@code rate_limit_exceeded} over type
     * {@code requests}). Bodies shaped {@code {"type": "error", "error": {"type"}}} carry only the type.
     */
    private static String errorType(final JsonNode body) {
        final JsonNode error = body.path("error");
        if (nonBlankText(error.path("code"))) {
            return error.path("code").asText();
        }
        if (nonBlankText(error.path("type"))) {
            return error.path("type").asText();
        }
        return null;
    }

    /**
     * Returns the error message of the body: {@code error.message}, a string {@code error} or a top-level
     * {@code message} of a JSON body, else the whole body as text (an HTML or plain-text body is kept as it
     * is). Key-like runs of characters are masked, because a provider may echo the credential it rejected, and
     * the result is cut to {@link ProbeLineParser#MAX_MESSAGE_CHARS}.
     */
    private static String message(final JsonNode body) {
        final String text;
        if (body.isMissingNode() || body.isNull()) {
            return null;
        } else if (body.isTextual()) {
            text = body.asText();
        } else if (nonBlankText(body.path("error").path("message"))) {
            text = body.path("error").path("message").asText();
        } else if (nonBlankText(body.path("error"))) {
            text = body.path("error").asText();
        } else if (nonBlankText(body.path("message"))) {
            text = body.path("message").asText();
        } else {
            text = body.toString();
        }
        if (text.isBlank()) {
            return null;
        }
        final String masked = KEY_LIKE.matcher(text).replaceAll("****");
        return masked.length() > ProbeLineParser.MAX_MESSAGE_CHARS
                ? masked.substring(0, ProbeLineParser.MAX_MESSAGE_CHARS) : masked;
    }

    /**
     * Returns the Retry-After header (name matched case-insensitively) in seconds: a delay in seconds as it
     * is, or an HTTP date (IMF-fixdate, such as {@code Mon, 30 Nov 2026 09:22:03 GMT}) as the seconds from
     * {@code at} to it, rounded up and at least 0. Returns null without the header or when its value is neither,
     * because the rest of the line is still a valid failed call.
     */
    private static Long retryAfterSeconds(final JsonNode headers, final Instant at) {
        for (final Map.Entry<String, JsonNode> header : headers.properties()) {
            if (header.getKey().toLowerCase(Locale.ROOT).equals(RETRY_AFTER)) {
                return retryAfterSeconds(header.getValue().asText("").trim(), at);
            }
        }
        return null;
    }

    private static Long retryAfterSeconds(final String value, final Instant at) {
        if (DELAY_SECONDS.matcher(value).matches()) {
            return Long.parseLong(value);
        }
        final Instant date;
        try {
            date = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (final DateTimeParseException e) {
            return null;
        }
        final long millis = Duration.between(at, date).toMillis();
        return millis <= 0 ? 0L : (millis + 999) / 1000;
    }

    private static boolean nonBlankText(final JsonNode node) {
        return node.isTextual() && !node.asText().isBlank();
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
