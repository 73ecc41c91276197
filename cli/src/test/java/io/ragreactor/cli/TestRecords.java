package io.ragreactor.cli;

import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentSummary;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Instant;
import java.util.List;

/** Incident updates and outcomes as the reactor and the actuators write them, for the command tests. */
final class TestRecords {

    private TestRecords() {
    }

    /** An update of incident {@code id} on {@code target}, detected at {@code detectedAt}, in {@code state}. */
    static IncidentUpdate incident(final String id, final String target, final IncidentState state,
                                   final Instant detectedAt, final Instant updatedAt) {
        final boolean closed = state != IncidentState.OPEN && state != IncidentState.ESCALATED;
        return IncidentUpdate.newBuilder()
                .setIncidentId(id)
                .setTarget(target)
                .setScenario(Scenario.SHARD_DOWN)
                .setState(state)
                .setStep("restore")
                .setAttempt(2)
                .setFirstSymptomAt(detectedAt.minusSeconds(60))
                .setDetectedAt(detectedAt)
                .setUpdatedAt(updatedAt)
                .setChange(closed ? "recovered: validate succeeded" : "step issued: restore #2")
                .setSymptomEventIds(List.of("prober-0123456789abcdef"))
                .setSteps(List.of())
                .setInputTopic("rag.recovery.outcomes")
                .setInputPartition(0)
                .setInputOffset(7)
                .setSummary(closed ? IncidentSummary.newBuilder()
                        .setClosedBy("reactor")
                        .setClosedAt(updatedAt)
                        .setTimeToDetectMs(60_000)
                        .setFoldedSymptoms(3)
                        .setEvidence(List.of())
                        .build() : null)
                .build();
    }

    /** A succeeded outcome of step {@code step} of incident {@code incidentId} on {@code target}. */
    static RecoveryOutcome outcome(final String incidentId, final String target, final String step,
                                   final Instant finishedAt) {
        return RecoveryOutcome.newBuilder()
                .setCommandId(incidentId + "-" + step + "-1")
                .setIncidentId(incidentId)
                .setTarget(target)
                .setStep(step)
                .setAttempt(1)
                .setStatus(OutcomeStatus.SUCCEEDED)
                .setReason("ok")
                .setStartedAt(finishedAt.minusSeconds(2))
                .setFinishedAt(finishedAt)
                .setDetail("did " + step + " on " + target)
                .setActuator("actuator-test")
                .build();
    }
}
