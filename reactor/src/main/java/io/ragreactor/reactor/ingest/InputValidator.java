package io.ragreactor.reactor.ingest;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.serde.BadRecordException;
import io.ragreactor.schemas.target.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes and checks raw records of one input topic. A valid record goes on as a {@link ReactorInput};
 * a bad one goes on as {@link Ingested.Rejected} carrying the dead-letter headers, is logged with its
 * topic, partition and offset, and is counted, so the stream never stops on bad input. A null value on
 * the health topic is a tombstone (the target's removal), not bad input.
 */
public final class InputValidator implements Processor<byte[], byte[], String, Ingested> {

    private static final Logger LOG = LoggerFactory.getLogger(InputValidator.class);

    /** The input topic a validator reads. */
    public enum Source { HEALTH, OUTCOMES }

    private final Source source;
    private final Deserializer<HealthEvent> healthDeserializer;
    private final Deserializer<RecoveryOutcome> outcomeDeserializer;
    private final ReactorClock clock;
    private final Duration allowedSkew;
    private final int maxValueBytes;
    private ProcessorContext<String, Ingested> context;
    private Sensor deadLettered;

    private InputValidator(final Source source, final Deserializer<HealthEvent> healthDeserializer,
                           final Deserializer<RecoveryOutcome> outcomeDeserializer, final ReactorClock clock,
                           final Duration allowedSkew, final int maxValueBytes) {
        this.source = source;
        this.healthDeserializer = healthDeserializer;
        this.outcomeDeserializer = outcomeDeserializer;
        this.clock = clock;
        this.allowedSkew = allowedSkew;
        this.maxValueBytes = maxValueBytes;
    }

    public static InputValidator forHealth(final Deserializer<HealthEvent> deserializer, final ReactorClock clock,
                                           final Duration allowedSkew, final int maxValueBytes) {
        return new InputValidator(Source.HEALTH, deserializer, null, clock, allowedSkew, maxValueBytes);
    }

    public static InputValidator forOutcomes(final Deserializer<RecoveryOutcome> deserializer, final ReactorClock clock,
                                             final int maxValueBytes) {
        return new InputValidator(Source.OUTCOMES, null, deserializer, clock, Duration.ZERO, maxValueBytes);
    }

    @Override
    public void init(final ProcessorContext<String, Ingested> context) {
        this.context = context;
        this.deadLettered = context.metrics().addRateTotalSensor("rag-reactor",
                "input-" + source.name().toLowerCase(Locale.ROOT), "dead-lettered", Sensor.RecordingLevel.INFO);
    }

    @Override
    public void process(final Record<byte[], byte[]> record) {
        final byte[] rawKey = record.key();
        final byte[] rawValue = record.value();

        // Checks that need no decoding come first, so an oversized or keyless record costs nothing more.
        if (rawValue != null && rawValue.length > maxValueBytes) {
            reject(record, DeadLetterReason.OVERSIZED, "value has " + rawValue.length + " bytes, more than the maximum "
                    + maxValueBytes, null);
            return;
        }
        if (rawKey == null) {
            reject(record, DeadLetterReason.NULL_KEY, "record has no key; the key must be the target", null);
            return;
        }
        final String key = new String(rawKey, StandardCharsets.UTF_8);
        if (Target.parse(key).isEmpty()) {
            reject(record, DeadLetterReason.INVALID_TARGET, "key '" + abbreviate(key)
                    + "' is not namespace/component/instance of valid Kubernetes names", null);
            return;
        }
        if (rawValue == null) {
            if (source == Source.HEALTH) {
                context.forward(record.withKey(key).withValue(new Ingested.Valid(new ReactorInput.Removal(record.timestamp()))));
            } else {
                LOG.debug("Ignoring tombstone on the outcome topic, key=[{}]", key);
            }
            return;
        }

        final ReactorInput input;
        try {
            input = decode(rawValue);
        } catch (final BadRecordException e) {
            reject(record, e.reason(), e.getMessage(), e);
            return;
        }
        final Optional<Problem> problem = check(key, input);
        if (problem.isPresent()) {
            reject(record, problem.get().reason(), problem.get().message(), null);
            return;
        }
        context.forward(record.withKey(key).withValue(new Ingested.Valid(input)));
    }

    private ReactorInput decode(final byte[] rawValue) {
        final String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("");
        if (source == Source.HEALTH) {
            return new ReactorInput.Observation(healthDeserializer.deserialize(topic, rawValue));
        }
        return new ReactorInput.Outcome(outcomeDeserializer.deserialize(topic, rawValue));
    }

    private record Problem(DeadLetterReason reason, String message) {
    }

    /** Returns what is wrong with a decoded input, if anything. */
    private Optional<Problem> check(final String key, final ReactorInput input) {
        if (input instanceof ReactorInput.Observation observation) {
            final HealthEvent event = observation.event();
            if (!key.equals(event.getTarget())) {
                return Optional.of(new Problem(DeadLetterReason.INVALID_TARGET, "target '"
                        + abbreviate(event.getTarget()) + "' of event " + event.getEventId()
                        + " differs from the record key '" + key + "'"));
            }
            final long observedAt = event.getObservedAt().toEpochMilli();
            if (observedAt <= 0) {
                return Optional.of(new Problem(DeadLetterReason.BAD_OBSERVATION_TIME, "observation time "
                        + observedAt + " of event " + event.getEventId() + " is missing or negative"));
            }
            final long now = clock.now(context);
            if (observedAt > now + allowedSkew.toMillis()) {
                return Optional.of(new Problem(DeadLetterReason.BAD_OBSERVATION_TIME, "observation time "
                        + event.getObservedAt() + " of event " + event.getEventId() + " is more than " + allowedSkew
                        + " ahead of the clock (" + Instant.ofEpochMilli(now) + ")"));
            }
        } else if (input instanceof ReactorInput.Outcome outcome) {
            if (!key.equals(outcome.outcome().getTarget())) {
                return Optional.of(new Problem(DeadLetterReason.INVALID_TARGET, "target '"
                        + abbreviate(outcome.outcome().getTarget()) + "' of the outcome of command "
                        + outcome.outcome().getCommandId() + " differs from the record key '" + key + "'"));
            }
            if (outcome.outcome().getFinishedAt().toEpochMilli() <= 0) {
                return Optional.of(new Problem(DeadLetterReason.BAD_OBSERVATION_TIME,
                        "finish time of the outcome of command " + outcome.outcome().getCommandId()
                        + " is missing or negative"));
            }
        }
        return Optional.empty();
    }

    private void reject(final Record<byte[], byte[]> record, final DeadLetterReason reason, final String message,
                        final Exception cause) {
        final Optional<RecordMetadata> metadata = context.recordMetadata();
        final String topic = metadata.map(RecordMetadata::topic).orElse("unknown");
        final int partition = metadata.map(RecordMetadata::partition).orElse(-1);
        final long offset = metadata.map(RecordMetadata::offset).orElse(-1L);
        LOG.warn("Dead-lettering record topic=[{}] partition=[{}] offset=[{}] reason=[{}]: {}",
                topic, partition, offset, reason.code(), message);
        deadLettered.record();

        final Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(DeadLetterHeaders.REASON, utf8(reason.code()));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(topic));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(partition)));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(offset)));
        headers.add(DeadLetterHeaders.EXCEPTION, utf8(cause == null ? message
                : cause.getClass().getName() + ": " + message));
        final String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        context.forward(new Record<String, Ingested>(key, new Ingested.Rejected(reason, record.key(), record.value()),
                record.timestamp(), headers));
    }

    private static byte[] utf8(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(final String text) {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }
}
