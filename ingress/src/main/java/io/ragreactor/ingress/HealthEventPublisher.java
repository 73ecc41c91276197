package io.ragreactor.ingress;

import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces health events to the health topic, keyed by target with the observation time as the record
 * timestamp, and input that could not become an event to the dead-letter topic with its reason.
 */
public final class HealthEventPublisher implements AutoCloseable {

    private final Topics topics;
    private final Producer<String, HealthEvent> events;
    private final Producer<byte[], byte[]> deadLetters;

    public HealthEventPublisher(final Topics topics, final Producer<String, HealthEvent> events,
                                final Producer<byte[], byte[]> deadLetters) {
        this.topics = topics;
        this.events = events;
        this.deadLetters = deadLetters;
    }

    /** Creates a publisher whose idempotent producers wait for all in-sync replicas. */
    public static HealthEventPublisher connect(final String bootstrapServers, final Topics topics) {
        final Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0);
        return new HealthEventPublisher(topics,
                new KafkaProducer<>(config, topics.health().keySerde().serializer(), topics.health().valueSerde().serializer()),
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** Sends {@code event} and waits until the broker has it, so a caller can report it as sent. */
    public void publish(final HealthEvent event) {
        final ProducerRecord<String, HealthEvent> record = new ProducerRecord<>(topics.health().name(), null,
                event.getObservedAt().toEpochMilli(), event.getTarget(), event);
        await(events.send(record));
    }

    /** Dead-letters a line of {@code sourceName} that could not become an event. */
    public void deadLetter(final String sourceName, final long lineNumber, final String line,
                           final DeadLetterReason reason, final String message) {
        final RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, utf8(reason.code()));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(sourceName));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8("-1"));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(lineNumber)));
        headers.add(DeadLetterHeaders.EXCEPTION, utf8(message));
        await(deadLetters.send(new ProducerRecord<>(topics.healthDeadLetter().name(), null, null, null,
                utf8(line), headers)));
    }

    private static void await(final java.util.concurrent.Future<?> sent) {
        try {
            sent.get();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while producing", e);
        } catch (final ExecutionException e) {
            throw new IllegalStateException("broker did not accept the record: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static byte[] utf8(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        events.close();
        deadLetters.close();
    }
}
