package io.ragreactor.cli;

import io.ragreactor.schemas.topics.Topic;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads topics without a consumer group: every partition assigned, positions set by seeking. Records that
 * cannot be decoded are reported on standard error with their position and skipped, so one bad record does
 * not stop a read.
 */
final class TopicReader {

    /** How long a read of a whole topic may go without reaching a new position before it fails. */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(TopicReader.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

    private TopicReader() {
    }

    /** Creates a consumer of keys and values as bytes with the settings' consumer configuration. */
    static KafkaConsumer<byte[], byte[]> newConsumer(final ClusterSettings settings) {
        return new KafkaConsumer<>(settings.consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Returns the partitions of {@code topic}.
     *
     * @throws CommandFailedException when the topic does not exist
     */
    static List<TopicPartition> partitions(final Consumer<?, ?> consumer, final String topic,
                                           final String bootstrapServers) {
        final List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new CommandFailedException("topic " + topic + " not found on " + bootstrapServers + "; the reactor"
                    + " creates its topics when it starts, so start it once or check --bootstrap-servers");
        }
        final List<TopicPartition> partitions = new ArrayList<>();
        for (final PartitionInfo info : infos) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        return partitions;
    }

    /**
     * Reads {@code topic} from its beginning up to its end at the start of the read and returns the latest value
     * of every key, in the order the keys were first read. A tombstone removes its key.
     *
     * @throws CommandFailedException when the topic is missing or the read stalls for {@link #STALL_TIMEOUT}
     */
    static <V> Map<String, V> readLatest(final ClusterSettings settings, final Topic<String, V> topic,
                                         final PrintWriter err) {
        final Map<String, V> latest = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = newConsumer(settings)) {
            final List<TopicPartition> partitions = partitions(consumer, topic.name(), settings.bootstrapServers());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions);
            long total = 0;
            for (final TopicPartition partition : partitions) {
                total += ends.get(partition) - starts.get(partition);
            }
            try (Progress progress = Progress.ofRecords(topic.name(), total, err)) {
                long lastProgress = System.nanoTime();
                while (!caughtUp(consumer, ends)) {
                    final var records = consumer.poll(POLL_TIMEOUT);
                    if (!records.isEmpty()) {
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                        throw new CommandFailedException("reading " + topic.name() + " from "
                                + settings.bootstrapServers() + " made no progress for " + STALL_TIMEOUT.toSeconds()
                                + " s; check that the broker is reachable");
                    }
                    for (final ConsumerRecord<byte[], byte[]> record : records) {
                        progress.advance(1);
                        final String key = decodeKey(topic, record);
                        if (key == null) {
                            continue;
                        }
                        if (record.value() == null) {
                            latest.remove(key);
                            continue;
                        }
                        final V value = decodeValue(topic, record, err, progress);
                        if (value != null) {
                            latest.remove(key);
                            latest.put(key, value);
                        }
                    }
                }
            }
        }
        return latest;
    }

    /** Returns whether the consumer's position has reached {@code ends} on every partition. */
    static boolean caughtUp(final Consumer<?, ?> consumer, final Map<TopicPartition, Long> ends) {
        for (final Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Decodes the key of {@code record}, or returns null for a record without one. */
    static String decodeKey(final Topic<String, ?> topic, final ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : topic.keySerde().deserializer().deserialize(record.topic(), record.key());
    }

    /**
     * Decodes the value of {@code record}, or reports it on {@code err} and returns null when it cannot be
     * decoded.
     */
    static <V> V decodeValue(final Topic<String, V> topic, final ConsumerRecord<byte[], byte[]> record,
                             final PrintWriter err, final Progress progress) {
        try {
            return topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (final SerializationException e) {
            LOG.warn("Skipping record topic=[{}] partition=[{}] offset=[{}]: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            progress.clear();
            err.println("skipped " + record.topic() + " partition " + record.partition() + " offset "
                    + record.offset() + ": cannot decode its value: " + e.getMessage());
            err.flush();
            return null;
        }
    }
}
