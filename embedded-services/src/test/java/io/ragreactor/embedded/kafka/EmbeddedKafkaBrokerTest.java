package io.ragreactor.embedded.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests the embedded broker itself, so it starts its own brokers instead of taking the shared one from
 * {@code KafkaBrokerExtension}, which may be a container.
 */
class EmbeddedKafkaBrokerTest {

    @Test
    void shouldCommitTransactionsAndHideAbortedOnes() throws Exception {
        // Given
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            final String topic = "tx-" + UUID.randomUUID();
            createTopic(broker, topic);

            // When
            try (KafkaProducer<String, String> producer = transactionalProducer(broker)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k", "aborted"));
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k", "committed"));
                producer.commitTransaction();
            }

            // Then
            assertThat(readAll(broker, topic, 1)).containsExactly("committed");
        }
    }

    @Test
    void shouldDeleteTemporaryStorageOnClose() {
        // Given
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        final Path logDir = broker.logDir();
        assertThat(logDir.resolve("meta.properties")).exists();

        // When
        broker.close();

        // Then
        assertThat(logDir).doesNotExist();
        assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void shouldKeepRecordsInKeptLogDir(@TempDir final Path keptDir) throws Exception {
        // Given
        final String topic = "kept-" + UUID.randomUUID();
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(keptDir)) {
            createTopic(first, topic);
            try (KafkaProducer<String, String> producer = plainProducer(first)) {
                producer.send(new ProducerRecord<>(topic, "k", "before-restart")).get();
            }
        }
        assertThat(keptDir.resolve("meta.properties")).exists();

        // When
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(keptDir)) {

            // Then
            assertThat(readAll(second, topic, 1)).containsExactly("before-restart");
        }
        assertThat(Files.list(keptDir)).isNotEmpty();
    }

    private static void createTopic(final KafkaBroker broker, final String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    private static KafkaProducer<String, String> plainProducer(final KafkaBroker broker) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer());
    }

    private static KafkaProducer<String, String> transactionalProducer(final KafkaBroker broker) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-broker-test-" + UUID.randomUUID()),
                new StringSerializer(), new StringSerializer());
    }

    /** Reads committed values from the start of {@code topic} until {@code expected} arrived or 20 s passed. */
    private static List<String> readAll(final KafkaBroker broker, final String topic, final int expected) {
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "embedded-broker-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            // One more short poll so an unexpected extra record (an aborted one leaking through) shows up.
            consumer.poll(Duration.ofMillis(300)).forEach(record -> values.add(record.value()));
        }
        return values;
    }
}
