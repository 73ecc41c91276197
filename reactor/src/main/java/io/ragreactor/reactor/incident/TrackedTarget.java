package io.ragreactor.reactor.incident;

import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;

/** One target and its reactor state, as passed to a ladder's decisions. */
public record TrackedTarget(Target target, TargetState state) {

    /** Returns the target's active incident, or null when there is none. */
    public ActiveIncident incident() {
        return state.getIncident();
    }
}
