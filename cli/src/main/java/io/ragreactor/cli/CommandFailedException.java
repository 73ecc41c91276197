package io.ragreactor.cli;

/**
 * An expected failure of an operator command, such as an unknown incident id or an unreachable broker. The
 * command line prints its message without a stack trace and exits with code 1.
 */
final class CommandFailedException extends RuntimeException {

    CommandFailedException(final String message) {
        super(message);
    }

    CommandFailedException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
