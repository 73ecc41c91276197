package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.embedded.alertmanager.AlertmanagerProcess;
import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.AlertStatus;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The receiver behind a real Alertmanager: an alert posted to Alertmanager's API arrives on the health topic with
 * Alertmanager's fingerprint and start time, first firing and then resolved.
 */
class AlertmanagerReceiverIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET = "rag-prod/vectorstore/shard-6";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldReceiveFiringThenResolvedAlert() throws Exception {
        final Optional<Path> binary = AlertmanagerProcess.findBinary();
        Assumptions.assumeTrue(binary.isPresent(), "Alertmanager binary (prometheus-alertmanager or alertmanager) "
                + "is missing from the PATH; install it, for example with apt-get install prometheus-alertmanager");

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers())) {
            final Topics topics = Topics.create(TopicNames.defaults(), new RestSchemaRegistryClient(registry.url()));
            try (HealthEventPublisher publisher = HealthEventPublisher.connect(broker.bootstrapServers(), topics,
                    DELIVERY_TIMEOUT);
                 WebhookReceiver receiver = WebhookReceiver.start(
                         ReceiverSettings.of(new InetSocketAddress("127.0.0.1", 0)), Runbook.defaults(), publisher,
                         Clock.systemUTC());
                 AlertmanagerProcess alertmanager = AlertmanagerProcess.start(binary.get(),
                         receiver.url() + "/alertmanager", Duration.ofSeconds(1))) {
                try {
                    receiveFiringThenResolved(alertmanager, broker, topics);
                } catch (final Exception | AssertionError e) {
                    System.out.println("Alertmanager output:\n" + alertmanager.output());
                    throw e;
                }
            }
        }
    }

    private void receiveFiringThenResolved(final AlertmanagerProcess alertmanager, final EmbeddedKafkaBroker broker,
                                           final Topics topics) throws Exception {
        // Given an alert for shard-6 posted to Alertmanager
        final Instant startsAt = Instant.now().minusSeconds(10).truncatedTo(ChronoUnit.MILLIS);
        postAlert(alertmanager, startsAt, null);
        final JsonNode stored = storedAlert(alertmanager);
        final String fingerprint = stored.path("fingerprint").asText();

        // Then the receiver publishes it as a firing ShardStatus event with Alertmanager's fingerprint and startsAt
        final HealthEvent firing = awaitEvent(broker, topics, AlertStatus.FIRING);
        assertThat(firing.getSource()).isEqualTo("alertmanager-receiver");
        assertThat(firing.getAlertOrigin()).isEqualTo(new AlertOrigin("ShardUnavailable", fingerprint, startsAt,
                AlertStatus.FIRING));
        assertThat(firing.getPayload()).isInstanceOfSatisfying(ShardStatus.class,
                status -> assertThat(status.getReportedHealth()).isEqualTo(ShardHealth.UNAVAILABLE));

        // When the alert is posted again with an end in the past
        postAlert(alertmanager, startsAt, Instant.now().minusSeconds(1));

        // Then the receiver publishes the same alert as resolved
        final HealthEvent resolved = awaitEvent(broker, topics, AlertStatus.RESOLVED);
        assertThat(resolved.getAlertOrigin()).isEqualTo(new AlertOrigin("ShardUnavailable", fingerprint, startsAt,
                AlertStatus.RESOLVED));
    }

    private void postAlert(final AlertmanagerProcess alertmanager, final Instant startsAt, final Instant endsAt)
            throws Exception {
        final String alert = "[{\"labels\": {\"alertname\": \"ShardUnavailable\", \"namespace\": \"rag-prod\", "
                + "\"shard\": \"shard-6\", \"severity\": \"page\"}, "
                + "\"annotations\": {\"summary\": \"shard-6 does not answer\"}, "
                + "\"startsAt\": \"" + startsAt + "\"" + (endsAt == null ? "" : ", \"endsAt\": \"" + endsAt + "\"")
                + "}]";
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(alertmanager.url() + "/api/v2/alerts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(alert)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("Alertmanager's answer to %s: %s", alert, response.body()).isEqualTo(200);
    }

    /** Returns the alert as Alertmanager stores it, with the fingerprint it computed. */
    private JsonNode storedAlert(final AlertmanagerProcess alertmanager) throws Exception {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create(alertmanager.url() + "/api/v2/alerts")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        final JsonNode alerts = JSON.readTree(response.body());
        assertThat(alerts).as(response.body()).hasSize(1);
        return alerts.get(0);
    }

    private static HealthEvent awaitEvent(final EmbeddedKafkaBroker broker, final Topics topics,
                                          final AlertStatus status) {
        final ConsumerRecord<String, HealthEvent> record = TopicReader.await(broker.bootstrapServers(),
                topics.health().name(), new StringDeserializer(), topics.health().valueSerde().deserializer(), 1,
                candidate -> candidate.key().equals(TARGET) && candidate.value().getAlertOrigin() != null
                        && candidate.value().getAlertOrigin().getStatus() == status).get(0);
        assertThat(record.value().getTarget()).isEqualTo(TARGET);
        return record.value();
    }
}
