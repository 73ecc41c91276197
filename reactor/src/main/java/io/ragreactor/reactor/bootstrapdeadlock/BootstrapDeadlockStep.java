package io.ragreactor.reactor.bootstrapdeadlock;

import java.util.Optional;

/** The steps of the bootstrap-deadlock ladder, with the names that appear in command ids and on rag.incidents. */
public enum BootstrapDeadlockStep {
    INSPECT("inspect"),
    RUN_MIGRATIONS("run-migrations"),
    START_IN_ORDER("start-in-order"),
    RESTART_ONE_BY_ONE("restart-one-by-one");

    private final String stepName;

    BootstrapDeadlockStep(final String stepName) {
        this.stepName = stepName;
    }

    public String stepName() {
        return stepName;
    }

    public static Optional<BootstrapDeadlockStep> byName(final String stepName) {
        for (final BootstrapDeadlockStep step : values()) {
            if (step.stepName.equals(stepName)) {
                return Optional.of(step);
            }
        }
        return Optional.empty();
    }
}
