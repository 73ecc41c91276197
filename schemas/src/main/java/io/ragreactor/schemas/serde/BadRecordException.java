package io.ragreactor.schemas.serde;

import io.ragreactor.schemas.deadletter.DeadLetterReason;
import org.apache.kafka.common.errors.SerializationException;

/** A record's bytes cannot be decoded; the reason says which dead-letter reason applies. */
public class BadRecordException extends SerializationException {

    private final DeadLetterReason reason;

    public BadRecordException(final DeadLetterReason reason, final String message) {
        super(message);
        this.reason = reason;
    }

    public BadRecordException(final DeadLetterReason reason, final String message, final Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
