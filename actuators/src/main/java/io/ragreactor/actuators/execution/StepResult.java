package io.ragreactor.actuators.execution;

import io.ragreactor.schemas.common.Evidence;
import java.util.List;
import java.util.Objects;

/** How one executed step ended: the reason (which implies the status), one sentence of detail, and evidence. */
public record StepResult(OutcomeReason reason, String detail, List<Evidence> evidence) {

    public StepResult {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        evidence = List.copyOf(evidence);
    }

    public static StepResult of(final OutcomeReason reason, final String detail) {
        return new StepResult(reason, detail, List.of());
    }

    public static StepResult of(final OutcomeReason reason, final String detail, final List<Evidence> evidence) {
        return new StepResult(reason, detail, evidence);
    }
}
