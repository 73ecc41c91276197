package io.ragreactor.shadow;

import java.time.Instant;
import java.util.Objects;

/**
 * One record read from a topic: its key, its value and its Kafka record timestamp. A null value is a
 * tombstone, which on the health topic removes the target and on the control topic withdraws an instruction.
 *
 * @param key the record key, which is the target on the health, outcome and command topics
 * @param value the record value, or null for a tombstone
 * @param timestamp the record timestamp, which orders the replay
 */
public record TimedRecord<V>(String key, V value, Instant timestamp) {

    public TimedRecord {
        Objects.requireNonNull(timestamp, "timestamp");
    }

    public static <V> TimedRecord<V> of(final String key, final V value, final Instant timestamp) {
        return new TimedRecord<>(key, value, timestamp);
    }
}
