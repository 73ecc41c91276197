package io.ragreactor.ingress;

import io.ragreactor.schemas.deadletter.DeadLetterReason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes JSON lines from a topic, for simple producers such as {@code kcat -P -l}, and publishes each line as
 * a health event through a {@link LineParser}, as the file and HTTP ingress do. A record may hold several lines.
 * A line that cannot become an event is dead-lettered with the record's topic, partition and offset.
 *
 * <p>Offsets are committed after the records before them were published, so a restart re-reads at most the
 * uncommitted batch (at least once). When the sink is unavailable, the ingress commits what it published and
 * seeks back to the first record it did not finish. It retries after a pause, so nothing is skipped.
 */
public final class JsonLinesTopicIngress implements Runnable, AutoCloseable {

    /** Default topic of the JSON lines. */
    public static final String DEFAULT_TOPIC = "rag.health.lines";
    /** Default consumer group; instances in one group share the topic's partitions. */
    public static final String DEFAULT_GROUP_ID = "rag-reactor-json-lines";

    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesTopicIngress.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final LineParser parser;
    private final HealthEventSink sink;
    private final Duration retryPause;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    public JsonLinesTopicIngress(final Consumer<byte[], byte[]> consumer, final String topic, final LineParser parser,
                                 final HealthEventSink sink, final Duration retryPause) {
        this.consumer = consumer;
        this.topic = topic;
        this.parser = parser;
        this.sink = sink;
        this.retryPause = retryPause;
    }

    /**
     * Creates an ingress with its own consumer in {@code groupId}, which starts at the earliest offset when the
     * group has none. {@code clientConfig} adds client settings such as SASL and TLS.
     */
    public static JsonLinesTopicIngress connect(final String bootstrapServers, final Map<String, Object> clientConfig,
                                                final String topic, final String groupId, final LineParser parser,
                                                final HealthEventSink sink) {
        final Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new JsonLinesTopicIngress(new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()), topic, parser, sink, Duration.ofSeconds(5));
    }

    /** Consumes until {@link #close()} is called; run it on its own thread. */
    @Override
    public void run() {
        LOG.info("JSON lines ingress starting: topic=[{}]", topic);
        try {
            consumer.subscribe(List.of(topic));
            while (running.get()) {
                handleBatch(consumer.poll(POLL_TIMEOUT));
            }
        } catch (final WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final RuntimeException e) {
            LOG.error("JSON lines ingress failed and stops: topic=[{}]", topic, e);
            throw e;
        } finally {
            consumer.close();
            LOG.info("JSON lines ingress stopped: topic=[{}] published=[{}] skipped=[{}] deadLettered=[{}]", topic,
                    published.get(), skipped.get(), deadLettered.get());
        }
    }

    private void handleBatch(final ConsumerRecords<byte[], byte[]> records) throws InterruptedException {
        final Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        try {
            for (final TopicPartition partition : records.partitions()) {
                for (final ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                    handle(record);
                    done.put(partition, new OffsetAndMetadata(record.offset() + 1));
                }
            }
            consumer.commitSync(done);
        } catch (final SinkUnavailableException e) {
            LOG.warn("Sink unavailable, retrying in {}: topic=[{}]", retryPause, topic, e);
            if (!done.isEmpty()) {
                consumer.commitSync(done);
            }
            for (final TopicPartition partition : records.partitions()) {
                final OffsetAndMetadata finished = done.get(partition);
                consumer.seek(partition, finished != null ? finished.offset()
                        : records.records(partition).get(0).offset());
            }
            Thread.sleep(retryPause.toMillis());
        }
    }

    private void handle(final ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            skipped.incrementAndGet();
            return;
        }
        final String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(record.value()))
                    .toString();
        } catch (final CharacterCodingException e) {
            deadLetter(record, new String(record.value(), StandardCharsets.UTF_8),
                    new ParsedLine.Rejected(DeadLetterReason.UNPARSEABLE_INPUT, "record value is not valid UTF-8"));
            return;
        }
        for (final String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            final ParsedLine parsed = parser.parse(line.strip());
            if (parsed instanceof ParsedLine.Event event) {
                sink.publish(event.event());
                published.incrementAndGet();
            } else if (parsed instanceof ParsedLine.Skipped) {
                skipped.incrementAndGet();
            } else if (parsed instanceof ParsedLine.Rejected rejected) {
                deadLetter(record, line, rejected);
            }
        }
    }

    private void deadLetter(final ConsumerRecord<byte[], byte[]> record, final String line,
                            final ParsedLine.Rejected rejected) {
        sink.deadLetter(record.topic(), record.partition(), record.offset(), line, rejected.reason(),
                rejected.message());
        deadLettered.incrementAndGet();
        LOG.debug("Dead-lettered a line of topic=[{}] partition=[{}] offset=[{}]: {}", record.topic(),
                record.partition(), record.offset(), rejected.message());
    }

    /** Returns the events published so far. */
    public long published() {
        return published.get();
    }

    /** Returns the lines dead-lettered so far. */
    public long deadLettered() {
        return deadLettered.get();
    }

    /** Stops {@link #run()} at its next poll; the consumer is closed by the thread that runs it. */
    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}
