package io.ragreactor.ingress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ragreactor.runbook.AlertRule;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.AlertStatus;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.target.Target;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Maps an Alertmanager webhook body (payload version 4) to one result per alert. Each alert is mapped by its own
 * status, because a firing group may contain resolved alerts. Its rule in the runbook's {@code alerts} section gives
 * the payload, and its labels give the target through the runbook's {@code targets} rules. The event's observation
 * time is the time of receipt, and the alert's own start time travels in its {@link AlertOrigin}.
 */
public final class AlertmanagerWebhookMapper {

    /** Source name of the events and of the dead letters. */
    public static final String SOURCE = "alertmanager-receiver";

    /** The only webhook payload version this mapper reads, the one Alertmanager 0.25 sends. */
    public static final String PAYLOAD_VERSION = "4";

    /** JSON reader that fails on text after the first value, so two bodies run together are rejected. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Runbook runbook;
    private final AlertPayloads payloads;

    public AlertmanagerWebhookMapper(final Runbook runbook) {
        this.runbook = runbook;
        this.payloads = new AlertPayloads(runbook);
    }

    /**
     * Maps every alert of {@code body}, received at {@code receivedAt}.
     *
     * @throws InvalidWebhookException when the body is not a version 4 webhook object with an {@code alerts} array
     *                                 whose every alert has a status, labels, an RFC 3339 startsAt and a fingerprint
     */
    public List<MappedAlert> map(final String body, final Instant receivedAt) {
        final JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (final JsonProcessingException e) {
            throw new InvalidWebhookException("body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidWebhookException("body is not a JSON object");
        }
        final JsonNode version = root.path("version");
        if (!version.isTextual() || !version.asText().equals(PAYLOAD_VERSION)) {
            throw new InvalidWebhookException("unsupported webhook payload version " + version + "; expected \""
                    + PAYLOAD_VERSION + "\"");
        }
        final JsonNode alerts = root.path("alerts");
        if (!alerts.isArray()) {
            throw new InvalidWebhookException("field alerts is missing or not an array");
        }

        // Every alert is checked before any is mapped, so a malformed body publishes nothing.
        final List<WebhookAlert> parsed = new ArrayList<>(alerts.size());
        for (int i = 0; i < alerts.size(); i++) {
            parsed.add(parseAlert(i, alerts.get(i)));
        }
        final List<MappedAlert> mapped = new ArrayList<>(parsed.size());
        for (final WebhookAlert alert : parsed) {
            mapped.add(new MappedAlert(alert.index(), alert.name(), alert.json().toString(), map(alert, receivedAt)));
        }
        return mapped;
    }

    /** One alert that passed the structural checks. */
    record WebhookAlert(int index, JsonNode json, AlertStatus status, Map<String, String> labels,
                        Map<String, String> annotations, Instant startsAt, String fingerprint) {

        String name() {
            return labels.getOrDefault("alertname", "");
        }
    }

    private static WebhookAlert parseAlert(final int index, final JsonNode alert) {
        if (!alert.isObject()) {
            throw new InvalidWebhookException("alerts[" + index + "] is not a JSON object");
        }
        final String where = "alerts[" + index + "]";
        final String statusText = requiredText(alert, "status", where);
        final AlertStatus status = switch (statusText) {
            case "firing" -> AlertStatus.FIRING;
            case "resolved" -> AlertStatus.RESOLVED;
            default -> throw new InvalidWebhookException(where + ".status must be firing or resolved, got '"
                    + statusText + "'");
        };
        final JsonNode labelsNode = alert.path("labels");
        if (!labelsNode.isObject()) {
            throw new InvalidWebhookException(where + ".labels is missing or not a JSON object");
        }
        final Map<String, String> labels = strings(labelsNode, where + ".labels");
        final JsonNode annotationsNode = alert.path("annotations");
        final Map<String, String> annotations = annotationsNode.isObject()
                ? strings(annotationsNode, where + ".annotations") : Map.of();
        final String startsAtText = requiredText(alert, "startsAt", where);
        final Instant startsAt;
        try {
            startsAt = OffsetDateTime.parse(startsAtText.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
        } catch (final DateTimeParseException e) {
            throw new InvalidWebhookException(where + ".startsAt is not an RFC 3339 timestamp: '" + startsAtText + "'");
        }
        final String fingerprint = requiredText(alert, "fingerprint", where);
        return new WebhookAlert(index, alert, status, labels, annotations, startsAt, fingerprint);
    }

    private static String requiredText(final JsonNode alert, final String field, final String where) {
        final JsonNode value = alert.path(field);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new InvalidWebhookException(where + "." + field + " is missing or not a non-empty string");
        }
        return value.asText();
    }

    private static Map<String, String> strings(final JsonNode object, final String where) {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final Map.Entry<String, JsonNode> entry : object.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new InvalidWebhookException(where + "." + entry.getKey() + " is not a string");
            }
            values.put(entry.getKey(), entry.getValue().asText());
        }
        return values;
    }

    private ParsedLine map(final WebhookAlert alert, final Instant receivedAt) {
        final String describe = describe(alert);
        if (alert.name().isEmpty()) {
            return rejected(describe + " has no alertname label");
        }
        final Optional<AlertRule> rule = runbook.alertRule(alert.name());
        if (rule.isEmpty()) {
            return rejected(describe + " has no rule in the runbook's alerts section");
        }
        final Optional<String> target = target(alert, rule.get());
        if (target.isEmpty()) {
            return rejected(describe + " names no valid target: " + targetProblem(alert, rule.get()));
        }
        final AlertPayloads.Result payload = payloads.payload(rule.get(), alert);
        if (payload.problem() != null) {
            return rejected(describe + ": " + payload.problem());
        }
        final AlertOrigin origin = new AlertOrigin(alert.name(), alert.fingerprint(), alert.startsAt(), alert.status());
        return new ParsedLine.Event(HealthEvent.newBuilder()
                .setEventId(EventIds.fromContent(SOURCE, receivedAt + "\n" + alert.json()))
                .setObservedAt(receivedAt)
                .setTarget(target.get())
                .setSource(SOURCE)
                .setAlertOrigin(origin)
                .setPayload(payload.payload())
                .build());
    }

    /** Returns the target: the namespace label (else the runbook's namespace), component and instance by the rules. */
    private Optional<String> target(final WebhookAlert alert, final AlertRule rule) {
        final String namespace = alert.labels().getOrDefault("namespace", runbook.namespace());
        final String name = alert.labels().get(rule.targetLabel());
        if (!Target.isDnsLabel(namespace) || name == null) {
            return Optional.empty();
        }
        // A rule's pattern may admit names that are not Kubernetes names, so the whole target is checked again.
        return runbook.targetFor(rule.targetLabel(), name, namespace).filter(text -> Target.parse(text).isPresent());
    }

    private String targetProblem(final WebhookAlert alert, final AlertRule rule) {
        final String namespace = alert.labels().get("namespace");
        if (namespace != null && !Target.isDnsLabel(namespace)) {
            return "namespace label '" + namespace + "' is not a valid Kubernetes name";
        }
        final String name = alert.labels().get(rule.targetLabel());
        if (name == null) {
            return "label " + rule.targetLabel() + " is missing";
        }
        return "label " + rule.targetLabel() + " '" + name + "' matches no rule for source " + rule.targetLabel()
                + " in the runbook's targets";
    }

    private static String describe(final WebhookAlert alert) {
        return "alert " + (alert.name().isEmpty() ? "" : alert.name() + " ") + "(alerts[" + alert.index()
                + "], fingerprint " + alert.fingerprint() + ")";
    }

    private static ParsedLine rejected(final String message) {
        return new ParsedLine.Rejected(DeadLetterReason.UNPARSEABLE_INPUT, message);
    }
}
