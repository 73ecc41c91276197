package io.ragreactor.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.postmortem.TopicRangeReader.BadRecord;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.serde.ConfluentAvroSerde;
import io.ragreactor.schemas.topics.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads of time ranges from a real broker, one broker for the class. */
class TopicRangeReaderIT {

    private static final Instant FROM = Instant.parse("2026-11-30T09:00:00Z");
    private static final Instant TO = Instant.parse("2026-11-30T10:00:00Z");
    private static final TopicRangeReader.Range RANGE = new TopicRangeReader.Range(FROM, TO);

    private static EmbeddedKafkaBroker broker;
    private static EmbeddedSchemaRegistry registry;
    private static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldReadOnlyRecordsInRange() throws Exception {
        // Given records before, at and after both bounds on three partitions, and one late record whose
        // timestamp lies before the range although it sits after the range's first offset
        final Topic<String, HealthEvent> topic = createTopic(3);
        for (int partition = 0; partition < 3; partition++) {
            send(topic, partition, "before-" + partition, FROM.minusMillis(1));
            send(topic, partition, "at-from-" + partition, FROM);
            if (partition == 2) {
                send(topic, partition, "late", FROM.minusSeconds(5));
            }
            send(topic, partition, "inside-" + partition, FROM.plusSeconds(600 + partition));
            send(topic, partition, "last-" + partition, TO.minusMillis(1));
            send(topic, partition, "at-to-" + partition, TO);
            send(topic, partition, "after-" + partition, TO.plusSeconds(1));
        }
        producer.flush();

        // When the range is read
        final List<long[]> progress = new ArrayList<>();
        final TopicRangeReader.Result result = reader().read(List.of(topic), RANGE,
                (read, expected) -> progress.add(new long[] {read, expected}));

        // Then only the records in [from, to) come back, sorted by timestamp, then partition
        assertThat(result.records()).extracting(record -> ((HealthEvent) record.value()).getEventId())
                .containsExactly("at-from-0", "at-from-1", "at-from-2", "inside-0", "inside-1", "inside-2",
                        "last-0", "last-1", "last-2");
        assertThat(result.records()).extracting(record -> (Object) record.key()).containsOnly("rag-prod/vectorstore/shard-5");
        assertThat(result.badRecords()).isEmpty();

        // And the expected total covers the offsets from the first record at from to the first at to, the
        // late record included
        assertThat(result.expected()).isEqualTo(3 * 3 + 1);
        assertThat(progress.get(progress.size() - 1)).containsExactly(10, 10);
    }

    @Test
    void shouldReturnNothingForEmptyRange() throws Exception {
        // Given records only in the range, and a topic that does not exist
        final Topic<String, HealthEvent> topic = createTopic(2);
        send(topic, 0, "inside", FROM.plusSeconds(60));
        send(topic, 1, "inside-too", FROM.plusSeconds(61));
        producer.flush();
        final Topic<String, HealthEvent> missing = new Topic<>("missing-" + UUID.randomUUID(), Serdes.String(),
                serde());

        // When a range a day earlier is read
        final List<long[]> progress = new ArrayList<>();
        final TopicRangeReader.Result result = reader().read(List.of(topic, missing),
                new TopicRangeReader.Range(FROM.minusSeconds(86_400), TO.minusSeconds(86_400)),
                (read, expected) -> progress.add(new long[] {read, expected}));

        // Then nothing is read and nothing was expected
        assertThat(result.records()).isEmpty();
        assertThat(result.badRecords()).isEmpty();
        assertThat(result.expected()).isZero();
        assertThat(progress.get(progress.size() - 1)).containsExactly(0, 0);
    }

    @Test
    void shouldCountCorruptRecord() throws Exception {
        // Given a record that is not Avro between two good ones
        final Topic<String, HealthEvent> topic = createTopic(1);
        send(topic, 0, "good-1", FROM.plusSeconds(1));
        producer.send(new ProducerRecord<>(topic.name(), 0, FROM.plusSeconds(2).toEpochMilli(),
                "rag-prod/vectorstore/shard-5".getBytes(StandardCharsets.UTF_8),
                "not avro".getBytes(StandardCharsets.UTF_8))).get();
        send(topic, 0, "good-2", FROM.plusSeconds(3));
        producer.flush();

        // When the range is read
        final TopicRangeReader.Result result = reader().read(List.of(topic), RANGE, TopicRangeReader.ProgressListener.NONE);

        // Then the good records come back and the bad one is counted with its place and reason
        assertThat(result.records()).extracting(record -> ((HealthEvent) record.value()).getEventId())
                .containsExactly("good-1", "good-2");
        assertThat(result.badRecords()).hasSize(1);
        final BadRecord bad = result.badRecords().get(0);
        assertThat(bad.topic()).isEqualTo(topic.name());
        assertThat(bad.partition()).isZero();
        assertThat(bad.offset()).isEqualTo(1);
        assertThat(bad.timestamp()).isEqualTo(FROM.plusSeconds(2));
        assertThat(bad.reason()).contains("not in the Confluent wire format");
    }

    private static TopicRangeReader reader() {
        return TopicRangeReader.forBootstrapServers(broker.bootstrapServers());
    }

    private static ConfluentAvroSerde<HealthEvent> serde() {
        return ConfluentAvroSerde.forValues(HealthEvent.class, new RestSchemaRegistryClient(registry.url()));
    }

    private static Topic<String, HealthEvent> createTopic(final int partitions) throws Exception {
        final String name = "range-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
        return new Topic<>(name, Serdes.String(), serde());
    }

    private static void send(final Topic<String, HealthEvent> topic, final int partition, final String eventId,
                             final Instant at) throws Exception {
        final String target = "rag-prod/vectorstore/shard-5";
        final HealthEvent event = HealthEvent.newBuilder().setEventId(eventId).setObservedAt(at).setTarget(target)
                .setSource("test").setPayload(new ShardStatus(ShardHealth.DEGRADED, 1_000L)).build();
        producer.send(new ProducerRecord<>(topic.name(), partition, at.toEpochMilli(),
                topic.keySerde().serializer().serialize(topic.name(), target),
                topic.valueSerde().serializer().serialize(topic.name(), event))).get();
    }
}
