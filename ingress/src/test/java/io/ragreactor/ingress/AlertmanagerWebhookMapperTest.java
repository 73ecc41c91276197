package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.AlertStatus;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexErrorKind;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.ProviderError;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class AlertmanagerWebhookMapperTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant RECEIVED = Instant.parse("2026-11-30T09:16:00.250Z");

    private final AlertmanagerWebhookMapper mapper = new AlertmanagerWebhookMapper(Runbook.defaults());

    static String sample() {
        try (InputStream in = AlertmanagerWebhookMapperTest.class.getResourceAsStream("/alertmanager-webhook-rag.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Returns the sample with its body edited by {@code edit}. */
    static String sampleWith(final Consumer<ObjectNode> edit) {
        try {
            final ObjectNode body = (ObjectNode) JSON.readTree(sample());
            edit.accept(body);
            return JSON.writeValueAsString(body);
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Returns a version 4 body containing one firing alert with {@code labels} (name, value pairs). */
    static String bodyWithAlert(final String... labels) {
        return sampleWith(body -> {
            final ArrayNode alerts = body.putArray("alerts");
            final ObjectNode alert = alerts.addObject();
            alert.put("status", "firing");
            final ObjectNode labelNode = alert.putObject("labels");
            for (int i = 0; i < labels.length; i += 2) {
                labelNode.put(labels[i], labels[i + 1]);
            }
            alert.putObject("annotations").put("summary", "test alert");
            alert.put("startsAt", "2026-11-30T11:59:30Z");
            alert.put("endsAt", "0001-01-01T00:00:00Z");
            alert.put("fingerprint", "3fa1");
        });
    }

    private static HealthEvent event(final MappedAlert alert) {
        assertThat(alert.result()).as("alert %s", alert.alertJson()).isInstanceOf(ParsedLine.Event.class);
        return ((ParsedLine.Event) alert.result()).event();
    }

    private static ParsedLine.Rejected rejected(final MappedAlert alert) {
        assertThat(alert.result()).as("alert %s", alert.alertJson()).isInstanceOf(ParsedLine.Rejected.class);
        return (ParsedLine.Rejected) alert.result();
    }

    @Test
    void shouldMapSampleEmptyResults() {
        final HealthEvent event = event(mapper.map(sample(), RECEIVED).get(0));

        assertThat(event.getTarget()).isEqualTo("rag-prod/vectorstore/shard-5");
        assertThat(event.getSource()).isEqualTo("alertmanager-receiver");
        assertThat(event.getObservedAt()).isEqualTo(RECEIVED);
        assertThat(event.getAlertOrigin()).isEqualTo(new AlertOrigin("RetrieverEmptyResults", "7c2e1a9b04d3f615",
                Instant.parse("2026-11-30T09:14:02.118Z"), AlertStatus.FIRING));
        assertThat(event.getPayload()).isInstanceOfSatisfying(GoldenQueryResult.class,
                result -> assertThat(result.getRetrieved()).isEmpty());
        assertThat(event.getEventId()).startsWith("alertmanager-receiver-");
    }

    @Test
    void shouldMapSampleErrorSpike() {
        final HealthEvent event = event(mapper.map(sample(), RECEIVED).get(1));

        assertThat(event.getTarget()).isEqualTo("rag-prod/generator/primary-llm");
        assertThat(event.getAlertOrigin()).isEqualTo(new AlertOrigin("RAGErrorSpike", "a41f0c77e2b95d08",
                Instant.parse("2026-11-30T09:15:40.502Z"), AlertStatus.FIRING));
        assertThat(event.getPayload()).isInstanceOfSatisfying(ProviderError.class, error -> {
            assertThat(error.getProvider()).isEqualTo("primary-llm");
            assertThat(error.getHttpStatus()).isEqualTo(503);
            assertThat(error.getMessage()).isEqualTo("LLM provider errors above 50 in 5m: "
                    + "increase(llm_api_error_total{code=\"503\"}[5m]) = 212");
        });
    }

    @Test
    void shouldMapResolvedAlertInFiringGroup() {
        final List<MappedAlert> alerts = mapper.map(sample(), RECEIVED);
        final HealthEvent event = event(alerts.get(2));

        assertThat(alerts).hasSize(3);
        assertThat(event.getTarget()).isEqualTo("rag-prod/generator/backup-llm");
        assertThat(event.getAlertOrigin().getStatus()).isEqualTo(AlertStatus.RESOLVED);
        assertThat(event.getAlertOrigin().getFingerprint()).isEqualTo("0d93b6e1c8a2f477");
        assertThat(event.getPayload()).isInstanceOfSatisfying(ProviderError.class,
                error -> assertThat(error.getHttpStatus()).isEqualTo(401));
    }

    @Test
    void shouldMapShardUnavailableAndFixedStatus() {
        final HealthEvent shard = event(mapper.map(bodyWithAlert("alertname", "ShardUnavailable", "shard", "shard-2"),
                RECEIVED).get(0));
        final HealthEvent limited = event(mapper.map(bodyWithAlert("alertname", "LLMRateLimited",
                "provider", "backup-llm"), RECEIVED).get(0));

        assertThat(shard.getTarget()).isEqualTo("rag-prod/vectorstore/shard-2");
        assertThat(shard.getPayload()).isInstanceOfSatisfying(ShardStatus.class,
                status -> assertThat(status.getReportedHealth()).isEqualTo(ShardHealth.UNAVAILABLE));
        assertThat(((ShardStatus) shard.getPayload()).getDocumentCount()).isNull();
        assertThat(limited.getPayload()).isInstanceOfSatisfying(ProviderError.class,
                error -> assertThat(error.getHttpStatus()).isEqualTo(429));
    }

    @Test
    void shouldClassifyIndexErrorByRunbookPatterns() {
        final String body = sampleWith(root -> {
            final ObjectNode alert = (ObjectNode) root.path("alerts").get(0);
            alert.putObject("labels").put("alertname", "VectorstoreIndexIOError").put("pod", "vectorstore-shard-3-0");
            alert.putObject("annotations").put("summary", "checksum mismatch in seg-000118.vec");
        });
        final HealthEvent event = event(mapper.map(body, RECEIVED).get(0));

        assertThat(event.getTarget()).isEqualTo("rag-prod/vectorstore/shard-3");
        assertThat(event.getPayload()).isInstanceOfSatisfying(IndexIoError.class, error -> {
            assertThat(error.getKind()).isEqualTo(IndexErrorKind.CHECKSUM);
            assertThat(error.getSegment()).isEqualTo("seg-000118.vec");
            assertThat(error.getPodName()).isEqualTo("vectorstore-shard-3-0");
        });
    }

    @Test
    void shouldTakeNamespaceFromLabelElseRunbook() {
        final HealthEvent labelled = event(mapper.map(bodyWithAlert("alertname", "ShardUnavailable",
                "namespace", "rag-staging", "shard", "shard-2"), RECEIVED).get(0));
        final HealthEvent unlabelled = event(mapper.map(bodyWithAlert("alertname", "ShardUnavailable",
                "shard", "shard-2"), RECEIVED).get(0));

        assertThat(labelled.getTarget()).isEqualTo("rag-staging/vectorstore/shard-2");
        assertThat(unlabelled.getTarget()).isEqualTo("rag-prod/vectorstore/shard-2");
    }

    @Test
    void shouldRejectAlertWithoutRule() {
        final ParsedLine.Rejected rejected = rejected(mapper.map(bodyWithAlert("alertname", "DiskFull",
                "shard", "shard-2"), RECEIVED).get(0));

        assertThat(rejected.reason()).isEqualTo(DeadLetterReason.UNPARSEABLE_INPUT);
        assertThat(rejected.message()).isEqualTo("alert DiskFull (alerts[0], fingerprint 3fa1) has no rule in the "
                + "runbook's alerts section");
    }

    @Test
    void shouldRejectAlertWithoutValidTarget() {
        final List<String> messages = List.of(
                        bodyWithAlert("alertname", "ShardUnavailable"),
                        bodyWithAlert("alertname", "ShardUnavailable", "shard", "shard-2; rm -rf /"),
                        bodyWithAlert("alertname", "ShardUnavailable", "shard", "shard-2", "namespace", "Rag_Prod"),
                        bodyWithAlert("shard", "shard-2"))
                .stream().map(body -> rejected(mapper.map(body, RECEIVED).get(0)).message()).toList();

        assertThat(messages.get(0)).contains("alert ShardUnavailable").contains("label shard is missing");
        assertThat(messages.get(1)).contains("label shard 'shard-2; rm -rf /' matches no rule for source shard");
        assertThat(messages.get(2)).contains("namespace label 'Rag_Prod' is not a valid Kubernetes name");
        assertThat(messages.get(3)).contains("has no alertname label");
    }

    @Test
    void shouldRejectInvalidStatusLabel() {
        final ParsedLine.Rejected rejected = rejected(mapper.map(bodyWithAlert("alertname", "RAGErrorSpike",
                "provider", "primary-llm", "code", "5xx"), RECEIVED).get(0));

        assertThat(rejected.message()).contains("alert RAGErrorSpike").contains("label code '5xx' is not an HTTP status");
    }

    @Test
    void shouldDeriveEventIdFromAlertAndReceipt() {
        final String first = event(mapper.map(sample(), RECEIVED).get(0)).getEventId();
        final String again = event(mapper.map(sample(), RECEIVED).get(0)).getEventId();
        final String later = event(mapper.map(sample(), RECEIVED.plusMillis(400)).get(0)).getEventId();

        assertThat(again).isEqualTo(first);
        assertThat(later).isNotEqualTo(first);
    }

    @Test
    void shouldReadStartsAtWithOffsetAndNanoseconds() {
        final String body = sampleWith(root -> ((ObjectNode) root.path("alerts").get(0))
                .put("startsAt", "2026-11-30T10:14:02.118123456+01:00"));

        assertThat(event(mapper.map(body, RECEIVED).get(0)).getAlertOrigin().getStartsAt())
                .isEqualTo(Instant.parse("2026-11-30T09:14:02.118Z"));
    }

    @Test
    void shouldRejectMalformedBodies() {
        assertInvalid("{\"version\": \"4\", ", "body is not JSON");
        assertInvalid("[]", "body is not a JSON object");
        assertInvalid(sampleWith(body -> body.put("version", "3")), "unsupported webhook payload version \"3\"");
        assertInvalid(sampleWith(body -> body.remove("version")), "unsupported webhook payload version");
        assertInvalid(sampleWith(body -> body.remove("alerts")), "field alerts is missing or not an array");
        assertInvalid(sampleWith(body -> body.put("alerts", "none")), "field alerts is missing or not an array");
        assertInvalid(sampleWith(body -> body.withArray("alerts").add(1)), "alerts[3] is not a JSON object");
    }

    @Test
    void shouldRejectBodyWithMalformedAlert() {
        assertInvalid(editSecond(alert -> alert.remove("status")), "alerts[1].status is missing");
        assertInvalid(editSecond(alert -> alert.put("status", "pending")),
                "alerts[1].status must be firing or resolved, got 'pending'");
        assertInvalid(editSecond(alert -> alert.remove("labels")), "alerts[1].labels is missing or not a JSON object");
        assertInvalid(editSecond(alert -> ((ObjectNode) alert.path("labels")).put("code", 503)),
                "alerts[1].labels.code is not a string");
        assertInvalid(editSecond(alert -> alert.remove("startsAt")), "alerts[1].startsAt is missing");
        assertInvalid(editSecond(alert -> alert.put("startsAt", "2026-11-30 09:15")),
                "alerts[1].startsAt is not an RFC 3339 timestamp: '2026-11-30 09:15'");
        assertInvalid(editSecond(alert -> alert.put("startsAt", "2026-11-30T09:15:40")),
                "alerts[1].startsAt is not an RFC 3339 timestamp");
        assertInvalid(editSecond(alert -> alert.remove("fingerprint")), "alerts[1].fingerprint is missing");
    }

    private static String editSecond(final Consumer<ObjectNode> edit) {
        return sampleWith(body -> edit.accept((ObjectNode) body.path("alerts").get(1)));
    }

    private void assertInvalid(final String body, final String message) {
        assertThatThrownBy(() -> mapper.map(body, RECEIVED)).as(body)
                .isInstanceOf(InvalidWebhookException.class)
                .hasMessageContaining(message);
    }
}
