package io.ragreactor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.embedded.junit.KafkaBrokerExtension;
import io.ragreactor.embedded.kafka.KafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.reactor.ReactorConfig;
import io.ragreactor.reactor.ReactorService;
import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad observation times on a real broker: such a record is dead-lettered once and the reactor goes on.
 * After a restart the reactor neither reads that record again nor forgets the symptoms counted before it.
 */
@ExtendWith(KafkaBrokerExtension.class)
class DeadLetterRestartIT {

    private static final String TARGET = "rag-prod/vectorstore/shard-2";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void shouldDeadLetterBadTimeOnceAcrossRestart(final KafkaBroker broker) throws Exception {
        try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers())) {
            final Topics topics = Topics.create(TopicNames.defaults(), new RestSchemaRegistryClient(registry.url()));
            final Path stateDir = Files.createTempDirectory("dead-letter-restart-it");
            final String applicationId = "dead-letter-restart-it-" + UUID.randomUUID();
            final Instant now = Instant.now();

            // Given a running reactor that gets a valid IO error and then an event observed at -1
            try (ReactorService reactor = start(broker, registry, stateDir, applicationId)) {
                produce(broker, topics, Events.ioError(TARGET, now));
                produce(broker, topics, Events.ioError(TARGET, Instant.ofEpochMilli(-1)));
                awaitDeadLetters(broker, topics, 1);
            }

            // When it restarts and the shard reports two more errors
            try (ReactorService reactor = start(broker, registry, stateDir, applicationId)) {
                produce(broker, topics, Events.ioError(TARGET, now.plusSeconds(1)));
                produce(broker, topics, Events.ioError(TARGET, now.plusSeconds(2)));

                // Then the symptom counted before the restart still counts: three symptoms open the incident
                final long end = System.nanoTime() + TIMEOUT.toNanos();
                while (readCommandTargets(broker, topics).stream().noneMatch(TARGET::equals)) {
                    assertThat(System.nanoTime()).as("a command for %s within %s", TARGET, TIMEOUT).isLessThan(end);
                    Thread.sleep(250);
                }
                // And the bad record was dead-lettered exactly once, with its reason
                final List<ConsumerRecord<byte[], byte[]>> deadLetters = readDeadLetters(broker, topics);
                assertThat(deadLetters).hasSize(1);
                assertThat(new String(deadLetters.get(0).headers().lastHeader(DeadLetterHeaders.REASON).value(),
                        StandardCharsets.UTF_8)).isEqualTo("bad-observation-time");
            }
        }
    }

    private static ReactorService start(final KafkaBroker broker, final EmbeddedSchemaRegistry registry,
                                        final Path stateDir, final String applicationId) throws InterruptedException {
        final ReactorService reactor = ReactorService.start(ReactorConfig.from(Map.of(
                ReactorConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                ReactorConfig.SCHEMA_REGISTRY_URL, registry.url(),
                ReactorConfig.APPLICATION_ID, applicationId,
                ReactorConfig.STATE_DIR, stateDir.toString(),
                ReactorConfig.TOPIC_PARTITIONS, 3), Map.of()), Map.of());
        final long end = System.nanoTime() + TIMEOUT.toNanos();
        while (reactor.state() != KafkaStreams.State.RUNNING) {
            assertThat(System.nanoTime()).as("reactor RUNNING within %s", TIMEOUT).isLessThan(end);
            Thread.sleep(100);
        }
        return reactor;
    }

    private static void produce(final KafkaBroker broker, final Topics topics, final HealthEvent event)
            throws Exception {
        try (KafkaProducer<String, HealthEvent> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                topics.health().keySerde().serializer(), topics.health().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.health().name(), event.getTarget(), event)).get();
        }
    }

    private static void awaitDeadLetters(final KafkaBroker broker, final Topics topics, final int count)
            throws InterruptedException {
        final long end = System.nanoTime() + TIMEOUT.toNanos();
        while (readDeadLetters(broker, topics).size() < count) {
            assertThat(System.nanoTime()).as("%d dead letters within %s", count, TIMEOUT).isLessThan(end);
            Thread.sleep(250);
        }
    }

    /** Dead letters of this test's target; other tests of the run share the topic. */
    private static List<ConsumerRecord<byte[], byte[]>> readDeadLetters(final KafkaBroker broker, final Topics topics) {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (final ConsumerRecord<byte[], byte[]> record : readAll(broker, topics.healthDeadLetter().name())) {
            if (record.key() != null && new String(record.key(), StandardCharsets.UTF_8).equals(TARGET)) {
                records.add(record);
            }
        }
        return records;
    }

    private static List<String> readCommandTargets(final KafkaBroker broker, final Topics topics) {
        final List<String> targets = new ArrayList<>();
        for (final ConsumerRecord<byte[], byte[]> record : readAll(broker, topics.commands().name())) {
            targets.add(new String(record.key(), StandardCharsets.UTF_8));
        }
        return targets;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(final KafkaBroker broker, final String topic) {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dead-letter-restart-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            int emptyPolls = 0;
            while (emptyPolls < 3) {
                final var polled = consumer.poll(Duration.ofMillis(300));
                if (polled.isEmpty() && !consumer.assignment().isEmpty()) {
                    emptyPolls++;
                }
                polled.forEach(records::add);
            }
        }
        return records;
    }
}
