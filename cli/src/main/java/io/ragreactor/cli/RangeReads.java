package io.ragreactor.cli;

import io.ragreactor.postmortem.TopicRangeReader;
import io.ragreactor.postmortem.TopicRangeReader.BadRecord;
import io.ragreactor.schemas.topics.Topic;
import java.io.PrintWriter;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Helpers of the commands that read a time range of the topics: the range reader with the command's
 * connection settings, a check that the topics exist, the progress line, and the report of records that could
 * not be decoded.
 */
final class RangeReads {

    private RangeReads() {
    }

    /** Creates a range reader whose consumers use the settings, {@code --command-config} included. */
    static TopicRangeReader reader(final ClusterSettings settings) {
        return new TopicRangeReader(settings.consumerConfig(), TopicRangeReader.DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * Checks that every topic of {@code topics} exists. The range reader skips a missing topic, which would
     * turn a wrong {@code --bootstrap-servers} into an empty replay.
     *
     * @throws CommandFailedException naming the first missing topic
     */
    static void requireTopics(final ClusterSettings settings, final List<? extends Topic<?, ?>> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = TopicReader.newConsumer(settings)) {
            for (final Topic<?, ?> topic : topics) {
                TopicReader.partitions(consumer, topic.name(), settings.bootstrapServers());
            }
        }
    }

    /** Prints one line per bad record on {@code err}: topic, partition, offset, timestamp and the reason. */
    static void printBadRecords(final List<BadRecord> badRecords, final PrintWriter err) {
        for (final BadRecord bad : badRecords) {
            err.println("skipped " + bad.topic() + " partition " + bad.partition() + " offset " + bad.offset()
                    + " (" + bad.timestamp() + "): cannot decode it: " + bad.reason());
        }
        err.flush();
    }

    /**
     * Shows the progress of a range read on a terminal. The reader reports the expected record count with its
     * first call, so the progress line starts then.
     */
    static final class ProgressLine implements TopicRangeReader.ProgressListener, AutoCloseable {

        private final String label;
        private final PrintWriter err;
        private Progress progress;
        private long reported;

        ProgressLine(final String label, final PrintWriter err) {
            this.label = label;
            this.err = err;
        }

        @Override
        public void progress(final long read, final long expected) {
            if (progress == null) {
                progress = Progress.ofRecords(label, expected, err);
            }
            progress.advance(read - reported);
            reported = read;
        }

        /** Erases the line. */
        @Override
        public void close() {
            if (progress != null) {
                progress.close();
            }
        }
    }
}
