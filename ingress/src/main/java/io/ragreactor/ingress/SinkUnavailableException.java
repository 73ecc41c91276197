package io.ragreactor.ingress;

/**
 * Thrown when a {@link HealthEventSink} could not store a record, for example because the broker did not
 * acknowledge it in time. The caller may retry the same input later.
 */
public final class SinkUnavailableException extends IllegalStateException {

    public SinkUnavailableException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
