package io.ragreactor.ingress;

/** Thrown when a webhook body is malformed as a whole, so none of its alerts may be published. */
public final class InvalidWebhookException extends IllegalArgumentException {

    public InvalidWebhookException(final String message) {
        super(message);
    }
}
