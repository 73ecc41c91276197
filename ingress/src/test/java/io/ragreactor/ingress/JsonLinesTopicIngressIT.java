package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JSON lines produced to a topic, as kcat would, become health events or dead letters naming their offset. */
class JsonLinesTopicIngressIT {

    private static final String PROBE_LINE = "{\"at\":\"2026-11-30T09:13:00.011Z\",\"prober\":\"golden-query-prober\","
            + "\"shard\":\"shard-5\",\"qid\":\"%s\",\"retrieved\":[],\"latencyMs\":12}";
    private static final String PROVIDER_LINE = "{\"at\":\"2026-11-30T09:15:01.204Z\",\"provider\":\"primary-llm\","
            + "\"request\":\"POST /v1/chat/completions\",\"status\":503,\"body\":{\"error\":{\"message\":\"%s\","
            + "\"type\":\"server_error\"}}}";

    private static EmbeddedKafkaBroker broker;
    private static EmbeddedSchemaRegistry registry;
    private static Topics topics;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers());
        topics = Topics.create(TopicNames.defaults(), new RestSchemaRegistryClient(registry.url()));
    }

    @AfterAll
    static void stop() {
        registry.close();
        broker.close();
    }

    private static RecordMetadata produce(final String topic, final byte[] value) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(topic, value)).get();
        }
    }

    private static String header(final ConsumerRecord<?, ?> record, final String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldPublishLinesAndDeadLetterBadOnes() throws Exception {
        // Given a probe line and a provider line in one record, and a record that is no JSON
        final String run = UUID.randomUUID().toString().substring(0, 8);
        final String topic = "lines-" + run;
        produce(topic, (PROBE_LINE.formatted("gq-" + run) + "\n" + PROVIDER_LINE.formatted(run))
                .getBytes(StandardCharsets.UTF_8));
        final RecordMetadata bad = produce(topic, ("not json " + run).getBytes(StandardCharsets.UTF_8));

        // When the ingress consumes the topic
        try (HealthEventPublisher publisher = HealthEventPublisher.connect(broker.bootstrapServers(), topics,
                Duration.ofSeconds(10))) {
            final JsonLinesTopicIngress ingress = JsonLinesTopicIngress.connect(broker.bootstrapServers(), Map.of(),
                    topic, "group-" + run, new SampleLineParser(Runbook.defaults()), publisher);
            final Thread thread = new Thread(ingress, "json-lines-ingress");
            thread.start();
            try {
                // Then both lines are health events on the health topic
                final List<ConsumerRecord<String, HealthEvent>> events = TopicReader.await(broker.bootstrapServers(),
                        topics.health().name(), new StringDeserializer(), topics.health().valueSerde().deserializer(),
                        2, record -> record.value().toString().contains(run));
                assertThat(events).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(
                        "rag-prod/vectorstore/shard-5", "rag-prod/generator/primary-llm");
                assertThat(events).extracting(record -> record.value().getPayload().getClass().getSimpleName())
                        .containsExactlyInAnyOrder("GoldenQueryResult", "ProviderError");

                // And the bad record is dead-lettered with its topic, partition, offset and reason
                final ConsumerRecord<byte[], byte[]> letter = TopicReader.await(broker.bootstrapServers(),
                        topics.healthDeadLetter().name(), new ByteArrayDeserializer(), new ByteArrayDeserializer(), 1,
                        record -> new String(record.value(), StandardCharsets.UTF_8).contains(run)).get(0);
                assertThat(header(letter, DeadLetterHeaders.REASON)).isEqualTo("unparseable-input");
                assertThat(header(letter, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(topic);
                assertThat(header(letter, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo(
                        Integer.toString(bad.partition()));
                assertThat(header(letter, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo(Long.toString(bad.offset()));
                assertThat(header(letter, DeadLetterHeaders.EXCEPTION)).startsWith("line is not JSON");
            } finally {
                ingress.close();
                thread.join(10_000);
            }
            assertThat(thread.isAlive()).isFalse();
            assertThat(ingress.published()).isEqualTo(2);
            assertThat(ingress.deadLettered()).isEqualTo(1);
        }
    }
}
