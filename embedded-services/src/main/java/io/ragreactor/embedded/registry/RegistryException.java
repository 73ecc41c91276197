package io.ragreactor.embedded.registry;

/** A failed request, returned as a Confluent error body whose status and code come from {@link #error()}. */
final class RegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final RegistryError error;

    RegistryException(final RegistryError error, final String message) {
        super(message);
        this.error = error;
    }

    RegistryException(final RegistryError error, final String message, final Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    RegistryError error() {
        return error;
    }
}
