package io.ragreactor.reactor.incident;

import io.ragreactor.runbook.StepLimits;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One runbook scenario: which events are its symptoms, and the steps of its recovery ladder. A ladder
 * only decides. {@link IncidentLadders} keeps the state, issues commands, counts attempts, applies
 * deadlines and the policies shared by every scenario (cooldown, silences, kill switch, dry-run), and ends
 * every ladder in an escalation when the ladder decides so.
 */
public interface ScenarioLadder {

    /** An incident opens when one target shows {@code threshold} symptoms within {@code window} (event time). */
    record Detection(int threshold, Duration window) {
    }

    Scenario scenario();

    /** The scenario's section name in the runbook file, as the dry-run policy names it. */
    String runbookKey();

    Detection detection();

    /**
     * Returns the symptom {@code event} shows for {@code target}, or empty. May record facts about the
     * target in {@code state} (a shard's document count, a provider's Retry-After).
     */
    Optional<Symptom> detect(Target target, HealthEvent event, TargetState state);

    /**
     * Decides the first step of a new incident, which is already stored in the target's state; {@code crossing}
     * is the symptom that opened it. May add evidence with {@link IncidentLadders#addEvidence}.
     */
    Decision open(TrackedTarget tracked, HealthEvent crossing, Instant at);

    /** Decides after {@code step} succeeded. */
    Decision succeeded(TrackedTarget tracked, String step, Instant at);

    /** Decides after {@code step} failed in its last attempt; timeouts without any outcome escalate instead. */
    Decision exhausted(TrackedTarget tracked, String step, OutcomeStatus status, String detail, Instant at);

    /** Decides on an event for the target while its incident is active; the symptom, if any, is already folded. */
    default Decision observed(final TrackedTarget tracked, final HealthEvent event, final Optional<Symptom> symptom) {
        return Decision.stay();
    }

    /** Decides when the wait the ladder chose has ended without an earlier decision. */
    default Decision waited(final TrackedTarget tracked, final Instant at) {
        return new Decision.Escalate("the ladder's wait " + tracked.incident().getPhase() + " ended without a decision");
    }

    /** Returns whether the success of {@code step} puts the target in a safe mode; the first one times mitigation. */
    default boolean mitigates(final String step) {
        return false;
    }

    /** Returns whether the success of {@code step} restores service; without one, recovery restores it. */
    default boolean restoresService(final String step) {
        return false;
    }

    /**
     * Returns the workload in the target's namespace whose recent rollouts an escalation of the incident shows.
     * A recent change there is a likely cause. Empty for none.
     */
    default Optional<WorkloadRef> workloadToReview(final TrackedTarget tracked) {
        return Optional.empty();
    }

    /** Returns whether the evidence of {@code step}'s successful outcome belongs to the incident, as captured logs do. */
    default boolean collectsEvidence(final String step) {
        return false;
    }

    /** Returns whether the ladder marks its target unhealthy, which counts against the budget's shard cap. */
    default boolean marksShard() {
        return false;
    }

    /** Returns the instances holding the same data as {@code target}, itself excluded; empty when none. */
    default List<String> replicaGroup(final Target target) {
        return List.of();
    }

    /** Deadline and attempts of {@code step}. */
    StepLimits limits(String step);

    /** Resolves the runbook's parameters of {@code step} into the command's action for the tracked target. */
    Object action(String step, TrackedTarget tracked);
}
