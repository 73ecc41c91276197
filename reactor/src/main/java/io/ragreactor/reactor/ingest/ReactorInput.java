package io.ragreactor.reactor.ingest;

import io.ragreactor.schemas.budget.BudgetDecision;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.RecoveryOutcome;

/** One validated input of the ladders: an observation, an outcome, a budget decision, or the removal of a target. */
public sealed interface ReactorInput {

    /** Event time of the input, the time the ladders act at. */
    long eventTime();

    record Observation(HealthEvent event) implements ReactorInput {
        @Override
        public long eventTime() {
            return event.getObservedAt().toEpochMilli();
        }
    }

    record Outcome(RecoveryOutcome outcome) implements ReactorInput {
        @Override
        public long eventTime() {
            return outcome.getFinishedAt().toEpochMilli();
        }
    }

    /** The blast-radius budget's decision on the target's request. */
    record BudgetDecided(BudgetDecision decision) implements ReactorInput {
        @Override
        public long eventTime() {
            return decision.getAt().toEpochMilli();
        }
    }

    /** A tombstone on the health topic: the target was deleted. */
    record Removal(long eventTime) implements ReactorInput {
    }
}
