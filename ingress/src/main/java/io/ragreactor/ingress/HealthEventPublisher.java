package io.ragreactor.ingress;

import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces health events to the health topic, keyed by target with the observation time as the record
 * timestamp, and input that could not become an event to the dead-letter topic with its reason.
 */
public final class HealthEventPublisher implements HealthEventSink, AutoCloseable {

    /** Extra wait beyond the producer's own delivery timeout, after which a send counts as unacknowledged. */
    private static final Duration AWAIT_MARGIN = Duration.ofSeconds(1);

    private final Topics topics;
    private final Producer<String, HealthEvent> events;
    private final Producer<byte[], byte[]> deadLetters;
    private final Duration awaitTimeout;

    public HealthEventPublisher(final Topics topics, final Producer<String, HealthEvent> events,
                                final Producer<byte[], byte[]> deadLetters) {
        this(topics, events, deadLetters, null);
    }

    private HealthEventPublisher(final Topics topics, final Producer<String, HealthEvent> events,
                                 final Producer<byte[], byte[]> deadLetters, final Duration awaitTimeout) {
        this.topics = topics;
        this.events = events;
        this.deadLetters = deadLetters;
        this.awaitTimeout = awaitTimeout;
    }

    /**
     * Creates a publisher whose idempotent producers wait for all in-sync replicas, with the producer's default
     * timeouts, so a send to an unreachable broker fails only after delivery.timeout.ms (120 s, the Kafka producer's default).
     */
    public static HealthEventPublisher connect(final String bootstrapServers, final Topics topics) {
        return new HealthEventPublisher(topics, eventProducer(config(bootstrapServers), topics),
                new KafkaProducer<>(config(bootstrapServers), new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /**
     * Creates a publisher like {@link #connect(String, Topics)} whose sends fail with a
     * {@link SinkUnavailableException} when the broker has not acknowledged them within {@code deliveryTimeout}.
     * That bounds the producer's delivery, request and max-block timeouts, so a caller that must answer its own
     * client, such as a webhook receiver, learns of an unreachable broker promptly.
     */
    public static HealthEventPublisher connect(final String bootstrapServers, final Topics topics,
                                               final Duration deliveryTimeout) {
        if (deliveryTimeout.isNegative() || deliveryTimeout.isZero()) {
            throw new IllegalArgumentException("deliveryTimeout must be positive, got " + deliveryTimeout);
        }
        final Map<String, Object> config = config(bootstrapServers);
        final int millis = Math.toIntExact(deliveryTimeout.toMillis());
        // The producer requires delivery.timeout.ms >= linger.ms + request.timeout.ms, and linger is 0 here.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) millis);
        return new HealthEventPublisher(topics, eventProducer(config, topics),
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()),
                deliveryTimeout.plus(AWAIT_MARGIN));
    }

    private static Map<String, Object> config(final String bootstrapServers) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return config;
    }

    private static Producer<String, HealthEvent> eventProducer(final Map<String, Object> config, final Topics topics) {
        return new KafkaProducer<>(config, topics.health().keySerde().serializer(),
                topics.health().valueSerde().serializer());
    }

    /**
     * Sends {@code event} and waits until the broker has it, so a caller can report it as sent.
     *
     * @throws SinkUnavailableException when the broker did not acknowledge it in time
     */
    @Override
    public void publish(final HealthEvent event) {
        final ProducerRecord<String, HealthEvent> record = new ProducerRecord<>(topics.health().name(), null,
                event.getObservedAt().toEpochMilli(), event.getTarget(), event);
        await(() -> events.send(record));
    }

    /**
     * Dead-letters a line of {@code sourceName} that could not become an event, with the line number as the
     * source offset header.
     *
     * @throws SinkUnavailableException when the broker did not acknowledge it in time
     */
    @Override
    public void deadLetter(final String sourceName, final long lineNumber, final String line,
                           final DeadLetterReason reason, final String message) {
        deadLetter(sourceName, -1, lineNumber, line, reason, message);
    }

    /**
     * Dead-letters a record of {@code sourceTopic} that could not become an event, with its partition and offset
     * in the source headers.
     *
     * @throws SinkUnavailableException when the broker did not acknowledge it in time
     */
    @Override
    public void deadLetter(final String sourceTopic, final int partition, final long offset, final String input,
                           final DeadLetterReason reason, final String message) {
        final RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON, utf8(reason.code()));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(sourceTopic));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(offset)));
        headers.add(DeadLetterHeaders.EXCEPTION, utf8(message));
        await(() -> deadLetters.send(new ProducerRecord<>(topics.healthDeadLetter().name(), null, null, null,
                utf8(input), headers)));
    }

    /** Sends through {@code send} and waits for the acknowledgement. A retriable failure means the sink is unavailable. */
    private void await(final java.util.function.Supplier<Future<?>> send) {
        try {
            final Future<?> sent = send.get();
            if (awaitTimeout == null) {
                sent.get();
            } else {
                sent.get(awaitTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkUnavailableException("interrupted while producing", e);
        } catch (final TimeoutException e) {
            throw new SinkUnavailableException("broker did not acknowledge the record within " + awaitTimeout, e);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof RetriableException) {
                throw new SinkUnavailableException("broker did not acknowledge the record: " + e.getCause().getMessage(),
                        e.getCause());
            }
            throw new IllegalStateException("broker did not accept the record: " + e.getCause().getMessage(), e.getCause());
        } catch (final RetriableException e) {
            throw new SinkUnavailableException("cannot send the record: " + e.getMessage(), e);
        } catch (final KafkaException e) {
            throw new IllegalStateException("cannot send the record: " + e.getMessage(), e);
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
