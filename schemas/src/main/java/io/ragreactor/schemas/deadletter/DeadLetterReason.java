package io.ragreactor.schemas.deadletter;

import java.util.Locale;

/** The reason a record was dead-lettered; {@link #code()} is the value of the {@code rag.dlq.reason} header. */
public enum DeadLetterReason {
    /** The value is not in the Confluent wire format (no magic byte 0 or shorter than its header). */
    NOT_AVRO,
    /** The value names a schema id the registry does not know. */
    UNKNOWN_SCHEMA_ID,
    /** The value's writer schema cannot be read as the topic's record type, or its Avro body is corrupt. */
    WRONG_SCHEMA,
    /** The record has no key. */
    NULL_KEY,
    /** The record's key and the event's target differ, or the target is not namespace/component/instance of valid names. */
    INVALID_TARGET,
    /** The observation time is missing, negative, or further ahead of the clock than the allowed skew. */
    BAD_OBSERVATION_TIME,
    /** The value is larger than the configured maximum. */
    OVERSIZED,
    /** A native-format input line could not be parsed or mapped to a health event. */
    UNPARSEABLE_INPUT;

    /** Returns the kebab-case code of the {@code rag.dlq.reason} header, for example {@code unknown-schema-id}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
