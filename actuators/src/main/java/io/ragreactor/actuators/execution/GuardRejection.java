package io.ragreactor.actuators.execution;

/** Raised by a guard before any external call, when a command must not be executed as it is. */
public final class GuardRejection extends Exception {

    private final OutcomeReason reason;

    public GuardRejection(final OutcomeReason reason, final String message) {
        super(message);
        this.reason = reason;
    }

    public OutcomeReason reason() {
        return reason;
    }
}
