package io.ragreactor.local.seed;

/** A seed file that cannot be read or is invalid; the message names the file and the key. */
public final class SeedException extends RuntimeException {

    public SeedException(final String message) {
        super(message);
    }

    public SeedException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
