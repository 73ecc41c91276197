package io.ragreactor.ingress;

import io.ragreactor.runbook.AlertRule;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.IndexErrorKind;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.ProviderError;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the payload of the health event an alert becomes, by the symptom its runbook rule names. */
final class AlertPayloads {

    /** A payload, or the reason the alert's labels cannot make one. */
    record Result(Object payload, String problem) {

        static Result of(final Object payload) {
            return new Result(payload, null);
        }

        static Result problem(final String problem) {
            return new Result(null, problem);
        }
    }

    /** Long runs of key-like characters in an annotation, masked like provider error messages. */
    private static final Pattern KEY_LIKE = Pattern.compile("[A-Za-z0-9_\\-]{24,}");
    private static final Pattern STATUS = Pattern.compile("[1-5][0-9]{2}");

    private final ShardDownSettings.Detection detection;

    AlertPayloads(final Runbook runbook) {
        this.detection = runbook.shardDown().detection();
    }

    Result payload(final AlertRule rule, final AlertmanagerWebhookMapper.WebhookAlert alert) {
        return switch (rule.symptom()) {
            // A golden query id the golden set does not know fails the pass rule on an empty result alone.
            case EMPTY_RESULTS -> Result.of(new GoldenQueryResult("alert:" + alert.name(), List.of(), 0L));
            // An alert carries no document count, so the shard's last reported counts stay as they are.
            case SHARD_UNAVAILABLE -> Result.of(new ShardStatus(ShardHealth.UNAVAILABLE, null));
            case INDEX_IO_ERROR -> Result.of(indexError(alert));
            case PROVIDER_ERROR -> providerError(rule, alert);
        };
    }

    private IndexIoError indexError(final AlertmanagerWebhookMapper.WebhookAlert alert) {
        final String message = shortened(text(alert.annotations(), alert.name()));
        final Matcher segment = detection.segmentPattern().matcher(message);
        return new IndexIoError(kind(message), message, segment.find() ? segment.group() : null,
                alert.labels().get("pod"));
    }

    /** Returns CHECKSUM when a checksum pattern of the runbook matches, as probe lines are classified, and IO otherwise. */
    private IndexErrorKind kind(final String message) {
        for (final Pattern pattern : detection.checksumErrorPatterns()) {
            if (pattern.matcher(message).find()) {
                return IndexErrorKind.CHECKSUM;
            }
        }
        return IndexErrorKind.IO;
    }

    private static Result providerError(final AlertRule rule, final AlertmanagerWebhookMapper.WebhookAlert alert) {
        final int status;
        if (rule.httpStatus() != null) {
            status = rule.httpStatus();
        } else {
            final String value = alert.labels().get(rule.statusLabel());
            if (value == null) {
                return Result.problem("label " + rule.statusLabel() + " with the HTTP status is missing");
            }
            if (!STATUS.matcher(value).matches()) {
                return Result.problem("label " + rule.statusLabel() + " '" + shortened(value)
                        + "' is not an HTTP status (100 to 599)");
            }
            status = Integer.parseInt(value);
        }
        final String message = KEY_LIKE.matcher(text(alert.annotations(), alert.name())).replaceAll("****");
        return Result.of(ProviderError.newBuilder()
                .setProvider(alert.labels().get(rule.targetLabel()))
                .setHttpStatus(status)
                .setMessage(shortened(message))
                .build());
    }

    /** Returns the summary and description annotations, or {@code fallback} without either. */
    private static String text(final Map<String, String> annotations, final String fallback) {
        final String summary = annotations.getOrDefault("summary", "").strip();
        final String description = annotations.getOrDefault("description", "").strip();
        if (summary.isEmpty() && description.isEmpty()) {
            return fallback;
        }
        if (summary.isEmpty()) {
            return description;
        }
        if (description.isEmpty()) {
            return summary;
        }
        return summary + ": " + description;
    }

    private static String shortened(final String text) {
        return text.length() > ProbeLineParser.MAX_MESSAGE_CHARS
                ? text.substring(0, ProbeLineParser.MAX_MESSAGE_CHARS) : text;
    }
}
