package io.ragreactor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.topics.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Follows the outcome and incident topics and prints each record as it arrives, until Ctrl-C, a record limit
 * or a quiet period. It joins no consumer group: it assigns every partition and seeks by time.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Follow rag.recovery.outcomes and rag.incidents and print one line per record: the record's"
                + " time, kind, target and what happened. Stops on Ctrl-C, or earlier with --max-records or"
                + " --timeout.")
final class TailCommand implements Callable<Integer> {

    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--from", paramLabel = "TIME|DURATION", converter = StartPoint.Converter.class,
            description = "Start at records whose Kafka timestamp is at or after this time: an ISO-8601 time such as"
                    + " 2026-11-30T09:12:00Z, or a duration ago such as 15m, 2h or 1d (default: now, only new"
                    + " records).")
    private StartPoint from;

    @Option(names = "--json",
            description = "Print one JSON object per line with the record's topic, partition, offset, timestamp,"
                    + " key and value, instead of a line for people.")
    private boolean json;

    @Option(names = "--max-records", paramLabel = "N",
            description = "Stop after printing N records, at least 1 (default: no limit).")
    private Long maxRecords;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Stop when no record arrived for this long, such as 30s or 5m (default: never).")
    private Duration timeout;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (maxRecords != null && maxRecords < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-records must be at least 1, got "
                    + maxRecords);
        }
        final ClusterSettings settings = connection.settings();
        final Topics topics = settings.topics();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final CountDownLatch finished = new CountDownLatch(1);
        try (KafkaConsumer<byte[], byte[]> consumer = TopicReader.newConsumer(settings)) {
            final List<TopicPartition> partitions = new ArrayList<>();
            partitions.addAll(TopicReader.partitions(consumer, topics.outcomes().name(), settings.bootstrapServers()));
            partitions.addAll(TopicReader.partitions(consumer, topics.incidents().name(), settings.bootstrapServers()));
            consumer.assign(partitions);
            seek(consumer, partitions);

            // Ctrl-C: wake the consumer up and give the loop time to close it and flush the output.
            final Thread stopper = new Thread(() -> {
                consumer.wakeup();
                awaitQuietly(finished);
            }, "tail-stopper");
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                follow(consumer, topics, catchUpEnds(consumer, partitions), out, err);
            } catch (final WakeupException e) {
                // Ctrl-C: a normal end.
            } finally {
                removeHook(stopper);
            }
        } finally {
            out.flush();
            finished.countDown();
        }
        return CommandLine.ExitCode.OK;
    }

    /** Moves every partition to the first record at or after --from, or to its end without --from. */
    private void seek(final KafkaConsumer<byte[], byte[]> consumer, final List<TopicPartition> partitions) {
        if (from == null) {
            consumer.seekToEnd(partitions);
            return;
        }
        final long fromMillis = from.resolve(Instant.now()).toEpochMilli();
        final Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(partition -> times.put(partition, fromMillis));
        final Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
        for (final TopicPartition partition : partitions) {
            final OffsetAndTimestamp offset = offsets.get(partition);
            if (offset == null) {
                consumer.seekToEnd(List.of(partition));
            } else {
                consumer.seek(partition, offset.offset());
            }
        }
    }

    /** Returns the current ends of the partitions that --from left behind them, empty when nothing is to catch up. */
    private Map<TopicPartition, Long> catchUpEnds(final KafkaConsumer<byte[], byte[]> consumer,
                                                  final List<TopicPartition> partitions) {
        if (from == null) {
            return Map.of();
        }
        final Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
        ends.entrySet().removeIf(end -> consumer.position(end.getKey()) >= end.getValue());
        return ends;
    }

    private void follow(final KafkaConsumer<byte[], byte[]> consumer, final Topics topics,
                        final Map<TopicPartition, Long> catchUpEnds, final PrintWriter out, final PrintWriter err) {
        long catchUpTotal = 0;
        for (final Map.Entry<TopicPartition, Long> end : catchUpEnds.entrySet()) {
            catchUpTotal += end.getValue() - consumer.position(end.getKey());
        }
        boolean catchingUp = catchUpTotal > 0;
        long printed = 0;
        long lastRecordNanos = System.nanoTime();
        try (Progress progress = Progress.ofRecords("catching up", catchUpTotal, err)) {
            while (true) {
                final var records = consumer.poll(POLL_TIMEOUT);
                if (records.isEmpty()) {
                    if (timeout != null && System.nanoTime() - lastRecordNanos >= timeout.toNanos()) {
                        return;
                    }
                    continue;
                }
                lastRecordNanos = System.nanoTime();
                for (final ConsumerRecord<byte[], byte[]> record : records) {
                    progress.clear();
                    if (print(record, topics, out, err, progress)) {
                        printed++;
                    }
                    if (catchingUp) {
                        progress.advance(1);
                    }
                    if (maxRecords != null && printed >= maxRecords) {
                        return;
                    }
                }
                out.flush();
                if (catchingUp && TopicReader.caughtUp(consumer, catchUpEnds)) {
                    catchingUp = false;
                    progress.close();
                }
            }
        }
    }

    /** Prints {@code record}; returns false when it could not be decoded and was reported on standard error. */
    private boolean print(final ConsumerRecord<byte[], byte[]> record, final Topics topics, final PrintWriter out,
                          final PrintWriter err, final Progress progress) {
        final boolean isOutcome = record.topic().equals(topics.outcomes().name());
        final String key = isOutcome ? TopicReader.decodeKey(topics.outcomes(), record)
                : TopicReader.decodeKey(topics.incidents(), record);
        final Object value;
        if (record.value() == null) {
            value = null;
        } else {
            value = isOutcome ? TopicReader.decodeValue(topics.outcomes(), record, err, progress)
                    : TopicReader.decodeValue(topics.incidents(), record, err, progress);
            if (value == null) {
                return false;
            }
        }
        if (json) {
            final ObjectNode line = RecordJson.object();
            line.put("topic", record.topic());
            line.put("partition", record.partition());
            line.put("offset", record.offset());
            line.put("timestamp", Instant.ofEpochMilli(record.timestamp()).toString());
            line.put("key", key);
            line.set("value", RecordJson.toJson(value));
            out.println(RecordJson.line(line));
        } else if (value instanceof RecoveryOutcome outcome) {
            out.println(RecordText.tailLine(outcome));
        } else if (value instanceof IncidentUpdate update) {
            out.println(RecordText.tailLine(update));
        } else {
            out.println(RecordText.tombstoneLine(Instant.ofEpochMilli(record.timestamp()),
                    isOutcome ? "outcome" : "incident", key));
        }
        return true;
    }

    private static void removeHook(final Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException e) {
            // The JVM is shutting down, after Ctrl-C: the hook is running already.
        }
    }

    private static void awaitQuietly(final CountDownLatch finished) {
        try {
            finished.await(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
