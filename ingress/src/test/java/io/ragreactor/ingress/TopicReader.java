package io.ragreactor.ingress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads a topic from its start in integration tests, waiting until the records a test expects are there. */
final class TopicReader {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TopicReader() {
    }

    /**
     * Returns the records of {@code topic} that {@code wanted} accepts, polling from the start until there are
     * {@code count} of them or {@link #TIMEOUT} has passed, in which case the test fails.
     */
    static <K, V> List<ConsumerRecord<K, V>> await(final String bootstrapServers, final String topic,
                                                    final Deserializer<K> keys, final Deserializer<V> values,
                                                    final int count, final Predicate<ConsumerRecord<K, V>> wanted) {
        final List<ConsumerRecord<K, V>> found = new ArrayList<>();
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "ingress-test-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), keys, values)) {
            consumer.subscribe(List.of(topic));
            final long end = System.nanoTime() + TIMEOUT.toNanos();
            while (found.size() < count) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("expected " + count + " matching record(s) on " + topic + " within "
                            + TIMEOUT + ", found " + found.size() + ": " + found);
                }
                for (final ConsumerRecord<K, V> record : consumer.poll(Duration.ofMillis(200))) {
                    if (wanted.test(record)) {
                        found.add(record);
                    }
                }
            }
        }
        return found;
    }
}
