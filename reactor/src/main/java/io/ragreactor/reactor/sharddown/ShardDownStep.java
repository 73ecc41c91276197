package io.ragreactor.reactor.sharddown;

import java.util.Optional;

/** The steps of the shard-down ladder, with the names that appear in command ids and on rag.incidents. */
public enum ShardDownStep {
    MARK_UNHEALTHY("mark-unhealthy"),
    REOPEN("reopen"),
    RESTORE("restore"),
    VALIDATE("validate"),
    REINTRODUCE("reintroduce"),
    ESCALATE("escalate");

    private final String stepName;

    ShardDownStep(final String stepName) {
        this.stepName = stepName;
    }

    public String stepName() {
        return stepName;
    }

    public static Optional<ShardDownStep> byName(final String stepName) {
        for (final ShardDownStep step : values()) {
            if (step.stepName.equals(stepName)) {
                return Optional.of(step);
            }
        }
        return Optional.empty();
    }

    /** The step after this one succeeded; empty after the last step, when the shard has recovered. */
    public Optional<ShardDownStep> next() {
        return switch (this) {
            case MARK_UNHEALTHY -> Optional.of(REOPEN);
            // A successful reopen needs no restore: the index is proven by validation either way.
            case REOPEN, RESTORE -> Optional.of(VALIDATE);
            case VALIDATE -> Optional.of(REINTRODUCE);
            case REINTRODUCE, ESCALATE -> Optional.empty();
        };
    }
}
