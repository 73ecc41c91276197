package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.health.AlertStatus;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The receiver on a real broker: events on the health topic, dead letters with their headers. */
class WebhookReceiverIT {

    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(5);

    private static EmbeddedKafkaBroker broker;
    private static EmbeddedSchemaRegistry registry;
    private static Topics topics;
    private static HealthEventPublisher publisher;
    private static WebhookReceiver receiver;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers());
        topics = Topics.create(TopicNames.defaults(), new RestSchemaRegistryClient(registry.url()));
        publisher = HealthEventPublisher.connect(broker.bootstrapServers(), topics, DELIVERY_TIMEOUT);
        receiver = WebhookReceiver.start(ReceiverSettings.of(new InetSocketAddress("127.0.0.1", 0)),
                Runbook.defaults(), publisher, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        receiver.close();
        publisher.close();
        registry.close();
        broker.close();
    }

    private HttpResponse<String> post(final String path, final String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(receiver.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<ConsumerRecord<String, HealthEvent>> healthEvents(final int count, final String fingerprint) {
        return TopicReader.await(broker.bootstrapServers(), topics.health().name(), new StringDeserializer(),
                topics.health().valueSerde().deserializer(), count, record -> record.value().getAlertOrigin() != null
                        && record.value().getAlertOrigin().getFingerprint().startsWith(fingerprint));
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(final String sourceName, final String contained) {
        return TopicReader.await(broker.bootstrapServers(), topics.healthDeadLetter().name(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), 1,
                record -> header(record, DeadLetterHeaders.SOURCE_TOPIC).equals(sourceName)
                        && new String(record.value(), StandardCharsets.UTF_8).contains(contained));
    }

    private static String header(final ConsumerRecord<?, ?> record, final String name) {
        return record.headers().lastHeader(name) == null ? ""
                : new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldPublishSampleAlerts() throws Exception {
        final String run = UUID.randomUUID().toString().substring(0, 8);
        final String body = AlertmanagerWebhookMapperTest.sampleWith(root -> root.withArray("alerts").forEach(
                alert -> ((ObjectNode) alert).put("fingerprint", run + alert.path("fingerprint").asText())));

        final HttpResponse<String> response = post("/alertmanager", body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isIn("{\"published\":3,\"deadLettered\":0}", "{\"deadLettered\":0,\"published\":3}");
        final List<ConsumerRecord<String, HealthEvent>> records = healthEvents(3, run);
        assertThat(records).extracting(ConsumerRecord::key).containsExactly("rag-prod/vectorstore/shard-5",
                "rag-prod/generator/primary-llm", "rag-prod/generator/backup-llm");
        assertThat(records).extracting(record -> record.value().getAlertOrigin().getStatus())
                .containsExactly(AlertStatus.FIRING, AlertStatus.FIRING, AlertStatus.RESOLVED);
        assertThat(records).allSatisfy(record -> assertThat(record.timestamp())
                .isEqualTo(record.value().getObservedAt().toEpochMilli()));
    }

    @Test
    void shouldDeadLetterUnmappedAlertWithHeaders() throws Exception {
        final String fingerprint = "unmapped-" + UUID.randomUUID();
        final String body = AlertmanagerWebhookMapperTest.sampleWith(root -> {
            final ObjectNode second = (ObjectNode) root.path("alerts").get(1);
            second.put("fingerprint", fingerprint);
            ((ObjectNode) second.path("labels")).put("alertname", "DiskFull");
        });

        final HttpResponse<String> response = post("/alertmanager", body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"published\":2").contains("\"deadLettered\":1");
        final ConsumerRecord<byte[], byte[]> letter = deadLetters("alertmanager-receiver", fingerprint).get(0);
        assertThat(header(letter, DeadLetterHeaders.REASON)).isEqualTo("unparseable-input");
        assertThat(header(letter, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("-1");
        assertThat(header(letter, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(header(letter, DeadLetterHeaders.EXCEPTION)).isEqualTo("alert DiskFull (alerts[1], fingerprint "
                + fingerprint + ") has no rule in the runbook's alerts section");
        assertThat(new String(letter.value(), StandardCharsets.UTF_8)).contains("\"alertname\":\"DiskFull\"");
    }

    @Test
    void shouldIngestProbeLines() throws Exception {
        final String qid = "gq-" + UUID.randomUUID();
        final String lines = String.join("\n",
                "{\"at\":\"" + Instant.now() + "\",\"prober\":\"golden-query-prober\",\"shard\":\"shard-7\",\"qid\":\""
                        + qid + "\",\"retrieved\":[],\"latencyMs\":12}",
                "{\"pod\":\"vectorstore-shard-7-0\",\"line\":\"INFO compaction finished\",\"at\":\"" + Instant.now()
                        + "\"}",
                "not json " + qid,
                "");

        final HttpResponse<String> response = post("/health-lines?format=probe", lines);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"published\":1").contains("\"skipped\":1").contains("\"deadLettered\":1");
        final List<ConsumerRecord<String, HealthEvent>> events = TopicReader.await(broker.bootstrapServers(),
                topics.health().name(), new StringDeserializer(), topics.health().valueSerde().deserializer(), 1,
                record -> record.value().getPayload().toString().contains(qid));
        assertThat(events.get(0).key()).isEqualTo("rag-prod/vectorstore/shard-7");
        final ConsumerRecord<byte[], byte[]> letter = deadLetters("health-lines-probe", qid).get(0);
        assertThat(header(letter, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("3");
        assertThat(header(letter, DeadLetterHeaders.REASON)).isEqualTo("unparseable-input");
    }
}
