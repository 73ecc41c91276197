package io.ragreactor.postmortem;

import io.ragreactor.schemas.topics.Topic;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads typed topics for a time range without a consumer group. Each partition is assigned and sought to the
 * first offset at or after the range's start (offsetsForTimes). It is read up to the first record at or after
 * the range's end, but never past the end offset it had when the read started. Only committed records are
 * read. Records that cannot be deserialized are counted and returned as {@link BadRecord}s, not thrown.
 */
public final class TopicRangeReader {

    private static final Logger LOG = LoggerFactory.getLogger(TopicRangeReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Default bound on a read that makes no progress, for example when the broker stops answering. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final Map<String, Object> consumerConfig;
    private final Duration idleTimeout;

    /**
     * Creates a reader whose consumers use {@code consumerConfig}: at least {@code bootstrap.servers}, plus
     * security settings as the cluster needs them. The reader sets the group, offset commit, deserializer and
     * isolation settings itself. A read fails when no partition advances for {@code idleTimeout}.
     */
    public TopicRangeReader(final Map<String, Object> consumerConfig, final Duration idleTimeout) {
        if (!consumerConfig.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("Missing consumer setting " + ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("Invalid idle timeout " + idleTimeout + ": use a positive duration");
        }
        final Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "rag-reactor-replay");
        this.consumerConfig = Map.copyOf(config);
        this.idleTimeout = idleTimeout;
    }

    /** Creates a reader for the cluster at {@code bootstrapServers} with {@link #DEFAULT_IDLE_TIMEOUT}. */
    public static TopicRangeReader forBootstrapServers(final String bootstrapServers) {
        return new TopicRangeReader(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                DEFAULT_IDLE_TIMEOUT);
    }

    /** The half-open time range [from, to) of record timestamps. */
    public record Range(Instant from, Instant to) {

        public Range {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            if (!from.isBefore(to)) {
                throw new IllegalArgumentException("Invalid time range: from " + from + " must be before to " + to);
            }
        }

        /** Returns whether {@code timestampMs} lies in this range. */
        public boolean contains(final long timestampMs) {
            return timestampMs >= from.toEpochMilli() && timestampMs < to.toEpochMilli();
        }
    }

    /** Receives the progress of a read: records read so far, and the total the offset ranges lead to expect. */
    @FunctionalInterface
    public interface ProgressListener {

        /** A listener that ignores progress. */
        ProgressListener NONE = (read, expected) -> { };

        /**
         * Called after each batch and once at the end. {@code expected} is an upper bound fixed before the
         * first record: transaction markers and records outside the range take offsets but are not read.
         */
        void progress(long read, long expected);
    }

    /** One record of the range, deserialized. {@code value} is null for a tombstone. */
    public record RangeRecord<K, V>(String topic, int partition, long offset, Instant timestamp, K key, V value) {
    }

    /** A record whose key or value could not be deserialized, with the reason. */
    public record BadRecord(String topic, int partition, long offset, Instant timestamp, String reason) {
    }

    /** The records of a read, sorted by timestamp, the bad records, and the offsets read. */
    public record Result(List<RangeRecord<?, ?>> records, List<BadRecord> badRecords, long expected) {
    }

    /**
     * Reads {@code topics} for {@code range} and returns their records sorted by timestamp, then by topic in
     * the given order, partition and offset. A topic that does not exist contributes no records.
     */
    public Result read(final List<? extends Topic<?, ?>> topics, final Range range, final ProgressListener listener) {
        final Map<String, Topic<?, ?>> byName = new HashMap<>();
        for (final Topic<?, ?> topic : topics) {
            byName.put(topic.name(), topic);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final Map<TopicPartition, Long> stops = new HashMap<>();
            final Map<TopicPartition, Long> starts = bounds(consumer, topics, range, stops);
            final long expected = starts.entrySet().stream().mapToLong(e -> stops.get(e.getKey()) - e.getValue()).sum();
            LOG.info("Reading range from=[{}] to=[{}] topics=[{}] partitions=[{}] expected=[{}]", range.from(),
                    range.to(), byName.keySet(), starts.size(), expected);

            final List<RangeRecord<?, ?>> records = new ArrayList<>();
            final List<BadRecord> bad = new ArrayList<>();
            consumer.assign(starts.keySet());
            starts.forEach(consumer::seek);
            final Set<TopicPartition> active = new HashSet<>(starts.keySet());
            long read = 0;
            long lastProgress = System.nanoTime();
            while (!active.isEmpty()) {
                final Map<TopicPartition, Long> before = positions(consumer, active);
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    final TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (!active.contains(partition) || record.offset() >= stops.get(partition)) {
                        continue;
                    }
                    if (record.timestamp() >= range.to().toEpochMilli()) {
                        // The stop offset came from offsetsForTimes, so this only happens when the two disagree.
                        finish(consumer, active, partition);
                        continue;
                    }
                    read++;
                    if (range.contains(record.timestamp())) {
                        decode(byName.get(record.topic()), record, records, bad);
                    }
                }
                for (final TopicPartition partition : List.copyOf(active)) {
                    if (consumer.position(partition) >= stops.get(partition)) {
                        finish(consumer, active, partition);
                    }
                }
                listener.progress(read, expected);
                if (!positions(consumer, active).equals(before) || active.isEmpty()) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > idleTimeout.toNanos()) {
                    throw new IllegalStateException("Reading " + active + " made no progress for " + idleTimeout
                            + "; check that the brokers at " + consumerConfig.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)
                            + " are reachable");
                }
            }
            listener.progress(read, expected);
            records.sort(order(topics));
            LOG.info("Read range from=[{}] to=[{}] records=[{}] badRecords=[{}]", range.from(), range.to(),
                    records.size(), bad.size());
            return new Result(List.copyOf(records), List.copyOf(bad), expected);
        }
    }

    /**
     * Returns the start offset of every partition that has records in the range, and puts its stop offset
     * (exclusive) into {@code stops}: the first offset at or after the range's end, or the end offset now.
     */
    private static Map<TopicPartition, Long> bounds(final KafkaConsumer<byte[], byte[]> consumer,
                                                    final List<? extends Topic<?, ?>> topics, final Range range,
                                                    final Map<TopicPartition, Long> stops) {
        final List<TopicPartition> partitions = new ArrayList<>();
        for (final Topic<?, ?> topic : topics) {
            final List<PartitionInfo> infos = consumer.partitionsFor(topic.name());
            if (infos == null || infos.isEmpty()) {
                LOG.warn("Topic=[{}] does not exist; it contributes no records to the replay", topic.name());
                continue;
            }
            infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        }
        final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        final Map<TopicPartition, OffsetAndTimestamp> fromOffsets = consumer.offsetsForTimes(
                timestamps(partitions, range.from()));
        final Map<TopicPartition, OffsetAndTimestamp> toOffsets = consumer.offsetsForTimes(
                timestamps(partitions, range.to()));

        final Map<TopicPartition, Long> starts = new HashMap<>();
        for (final TopicPartition partition : partitions) {
            final OffsetAndTimestamp start = fromOffsets.get(partition);
            if (start == null) {
                continue;
            }
            final OffsetAndTimestamp stopAtTo = toOffsets.get(partition);
            final long stop = Math.min(ends.get(partition), stopAtTo == null ? Long.MAX_VALUE : stopAtTo.offset());
            if (start.offset() < stop) {
                starts.put(partition, start.offset());
                stops.put(partition, stop);
            }
        }
        return starts;
    }

    private static Map<TopicPartition, Long> timestamps(final List<TopicPartition> partitions, final Instant at) {
        final Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(partition -> query.put(partition, at.toEpochMilli()));
        return query;
    }

    private static Map<TopicPartition, Long> positions(final KafkaConsumer<byte[], byte[]> consumer,
                                                       final Set<TopicPartition> partitions) {
        final Map<TopicPartition, Long> positions = new HashMap<>();
        partitions.forEach(partition -> positions.put(partition, consumer.position(partition)));
        return positions;
    }

    private static void finish(final KafkaConsumer<byte[], byte[]> consumer, final Set<TopicPartition> active,
                               final TopicPartition partition) {
        active.remove(partition);
        consumer.pause(List.of(partition));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void decode(final Topic<?, ?> topic, final ConsumerRecord<byte[], byte[]> record,
                               final List<RangeRecord<?, ?>> records, final List<BadRecord> bad) {
        final Instant timestamp = Instant.ofEpochMilli(record.timestamp());
        try {
            final Object key = topic.keySerde().deserializer().deserialize(record.topic(), record.key());
            final Object value = topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
            records.add(new RangeRecord(record.topic(), record.partition(), record.offset(), timestamp, key, value));
        } catch (final SerializationException e) {
            // A registry outage is a SchemaRegistryException, not a SerializationException, so it ends the read.
            LOG.warn("Skipping bad record topic=[{}] partition=[{}] offset=[{}]: {}", record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            bad.add(new BadRecord(record.topic(), record.partition(), record.offset(), timestamp, e.getMessage()));
        }
    }

    private static Comparator<RangeRecord<?, ?>> order(final List<? extends Topic<?, ?>> topics) {
        final List<String> names = topics.stream().map(Topic::name).toList();
        return Comparator.<RangeRecord<?, ?>, Instant>comparing(RangeRecord::timestamp)
                .thenComparingInt(record -> names.indexOf(record.topic()))
                .thenComparingInt(RangeRecord::partition)
                .thenComparingLong(RangeRecord::offset);
    }
}
