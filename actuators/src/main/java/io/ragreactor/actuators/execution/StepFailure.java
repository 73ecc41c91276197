package io.ragreactor.actuators.execution;

import io.ragreactor.schemas.common.Evidence;
import java.util.List;

/**
 * Ends a step early with a known reason, from deep inside a handler, so the handler's main method reads as
 * its phases instead of a chain of early returns.
 */
public final class StepFailure extends RuntimeException {

    private final transient StepResult result;

    public StepFailure(final OutcomeReason reason, final String detail) {
        this(reason, detail, List.of());
    }

    public StepFailure(final OutcomeReason reason, final String detail, final List<Evidence> evidence) {
        super(detail);
        this.result = StepResult.of(reason, detail, evidence);
    }

    public StepResult result() {
        return result;
    }
}
