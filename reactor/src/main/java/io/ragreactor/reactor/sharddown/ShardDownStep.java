package io.ragreactor.reactor.sharddown;

import java.util.Optional;

/** The steps of the shard-down ladder, with the names that appear in command ids and on rag.incidents. */
public enum ShardDownStep {
    MARK_UNHEALTHY("mark-unhealthy"),
    ROUTE_TO_REPLICA("route-to-replica"),
    REOPEN("reopen"),
    RESTORE("restore"),
    VALIDATE("validate"),
    REINTRODUCE("reintroduce"),
    REINDEX("reindex");

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

    /**
     * The step after this one succeeded; empty after the shard is back in service. The ladder decides the
     * optional steps: a routing to a replica after the mark, a reindex after a restore.
     */
    public Optional<ShardDownStep> next() {
        return switch (this) {
            case MARK_UNHEALTHY, ROUTE_TO_REPLICA -> Optional.of(REOPEN);
            // A successful reopen needs no restore: the index is proven by validation either way.
            case REOPEN, RESTORE -> Optional.of(VALIDATE);
            case VALIDATE -> Optional.of(REINTRODUCE);
            case REINTRODUCE, REINDEX -> Optional.empty();
        };
    }
}
