package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The receiver responds 503 when the broker does not acknowledge, so that Alertmanager retries. */
class ReceiverBrokerDownIT {

    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void shouldRespond503WhenBrokerStopped() throws Exception {
        final HttpClient http = HttpClient.newHttpClient();
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        final EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers());
        final Topics topics = Topics.create(TopicNames.defaults(), new RestSchemaRegistryClient(registry.url()));
        try (HealthEventPublisher publisher = HealthEventPublisher.connect(broker.bootstrapServers(), topics,
                DELIVERY_TIMEOUT);
             WebhookReceiver receiver = WebhookReceiver.start(ReceiverSettings.of(new InetSocketAddress("127.0.0.1", 0)),
                     Runbook.defaults(), publisher, Clock.systemUTC())) {
            final HttpRequest request = HttpRequest.newBuilder(URI.create(receiver.url() + "/alertmanager"))
                    .POST(HttpRequest.BodyPublishers.ofString(AlertmanagerWebhookMapperTest.sample())).build();
            // Given a receiver that delivered once, so the schema is registered and the topic exists
            assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            // When the broker stops
            registry.close();
            broker.close();
            final long start = System.nanoTime();
            final HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            final Duration took = Duration.ofNanos(System.nanoTime() - start);

            // Then the receiver responds 503 soon after the delivery timeout
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("health events could not be stored");
            assertThat(took).isLessThan(DELIVERY_TIMEOUT.multipliedBy(3));
        } finally {
            registry.close();
            broker.close();
        }
    }
}
