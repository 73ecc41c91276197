package io.ragreactor.actuators;

import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers, per assigned command partition, the ids of the commands that already have a committed outcome.
 * It is rebuilt from the outcome topic whenever a command partition is assigned, so it survives restarts and
 * moves with its partition. Commands and outcomes share the key (the target), so when both topics have the
 * same partition count, outcome partition {@code p} contains exactly the outcomes of command partition {@code p};
 * otherwise every outcome partition is read and each outcome is kept for the command partition its key
 * hashes to under the default partitioner.
 */
final class OutcomeLedger {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeLedger.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Consumer<String, byte[]> reader;
    private final String outcomesTopic;
    private final Deserializer<RecoveryOutcome> outcomes;
    private final Duration loadTimeout;
    private final Map<Integer, Set<String>> commandIdsByPartition = new HashMap<>();

    /**
     * @param reader a consumer without a group and with {@code isolation.level=read_committed}, used only by
     *               the poll thread of the service
     */
    OutcomeLedger(final Consumer<String, byte[]> reader, final String outcomesTopic,
                  final Deserializer<RecoveryOutcome> outcomes, final Duration loadTimeout) {
        this.reader = reader;
        this.outcomesTopic = outcomesTopic;
        this.outcomes = outcomes;
        this.loadTimeout = loadTimeout;
    }

    boolean contains(final int commandPartition, final String commandId) {
        final Set<String> ids = commandIdsByPartition.get(commandPartition);
        return ids != null && ids.contains(commandId);
    }

    void add(final int commandPartition, final String commandId) {
        commandIdsByPartition.computeIfAbsent(commandPartition, p -> new HashSet<>()).add(commandId);
    }

    void forget(final Collection<TopicPartition> commandPartitions) {
        for (final TopicPartition partition : commandPartitions) {
            commandIdsByPartition.remove(partition.partition());
        }
    }

    /**
     * Reads the committed outcomes of the given command partitions to the end of the outcome topic.
     *
     * @param commandPartitionCount the partition count of the command topic
     * @throws TimeoutException when the outcome topic cannot be read to its end within the load timeout
     */
    void load(final Collection<TopicPartition> commandPartitions, final int commandPartitionCount) {
        if (commandPartitions.isEmpty()) {
            return;
        }
        final Set<Integer> assigned = commandPartitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
        for (final Integer partition : assigned) {
            commandIdsByPartition.put(partition, new HashSet<>());
        }
        final List<PartitionInfo> infos = reader.partitionsFor(outcomesTopic, loadTimeout);
        if (infos == null || infos.isEmpty()) {
            LOG.info("Outcome topic has no partitions yet, so no command has an outcome: topic=[{}]", outcomesTopic);
            return;
        }
        final boolean coPartitioned = infos.size() == commandPartitionCount;
        final List<TopicPartition> toRead = infos.stream()
                .map(info -> new TopicPartition(outcomesTopic, info.partition()))
                .filter(tp -> !coPartitioned || assigned.contains(tp.partition()))
                .toList();
        if (!coPartitioned) {
            LOG.info("Outcome topic has {} partitions and the command topic {}, so all outcome partitions are read:"
                    + " topic=[{}]", infos.size(), commandPartitionCount, outcomesTopic);
        }
        // NOTE: each assignment reads the outcome partitions from their start, so this load grows with the topic's
        // retention. A compacted index keyed by command id would bound it.
        final int loaded = readToEnd(toRead, assigned, coPartitioned, commandPartitionCount);
        LOG.info("Outcome ledger loaded: commandPartitions=[{}] outcomePartitions=[{}] outcomes=[{}]", assigned,
                toRead.stream().map(TopicPartition::partition).toList(), loaded);
    }

    private int readToEnd(final List<TopicPartition> partitions, final Set<Integer> assigned, final boolean coPartitioned,
                          final int commandPartitionCount) {
        reader.assign(partitions);
        reader.seekToBeginning(partitions);
        // With read_committed, the end offsets are the last stable offsets: outcomes of open transactions are not yet seen.
        final Map<TopicPartition, Long> ends = reader.endOffsets(partitions, loadTimeout);
        final long deadline = System.nanoTime() + loadTimeout.toNanos();
        int loaded = 0;
        while (!reachedEnd(ends)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("outcome topic " + outcomesTopic + " was not read to its end within "
                        + loadTimeout.toMillis() + " ms");
            }
            final ConsumerRecords<String, byte[]> records = reader.poll(POLL);
            for (final ConsumerRecord<String, byte[]> record : records) {
                final int commandPartition = coPartitioned ? record.partition()
                        : commandPartitionOf(record.key(), commandPartitionCount);
                if (!assigned.contains(commandPartition) || record.value() == null) {
                    continue;
                }
                try {
                    final RecoveryOutcome outcome = outcomes.deserialize(record.topic(), record.value());
                    add(commandPartition, outcome.getCommandId());
                    loaded++;
                } catch (final RuntimeException e) {
                    LOG.warn("Skipping unreadable outcome: topic=[{}] partition=[{}] offset=[{}] error=[{}]",
                            record.topic(), record.partition(), record.offset(), e.getMessage());
                }
            }
        }
        reader.unsubscribe();
        return loaded;
    }

    private boolean reachedEnd(final Map<TopicPartition, Long> ends) {
        for (final Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (reader.position(end.getKey(), loadTimeout) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Returns the partition the default partitioner gives a record with this key in a topic of {@code count} partitions. */
    static int commandPartitionOf(final String key, final int count) {
        if (key == null) {
            return -1;
        }
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % count;
    }

    void close() {
        reader.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
