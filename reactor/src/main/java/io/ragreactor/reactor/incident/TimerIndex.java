package io.ragreactor.reactor.incident;

import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.TargetState;
import java.time.Instant;

/**
 * Keys of the timer index, a state store that files each target with a pending deadline or wait under its
 * due time, so that a timer tick reads only what is due instead of every tracked target. A key is the due
 * time in epoch milliseconds, zero-padded to 13 digits so that string order is time order (up to the year
 * 2286), a bar, and the target.
 */
public final class TimerIndex {

    /** The state store of the index; values are the targets. */
    public static final String STORE = "incident-timers";

    /** The lowest key of the index. */
    static final String FIRST = "0";

    private TimerIndex() {
    }

    /** Returns the key filing {@code target} under {@code dueMillis}. */
    static String key(final long dueMillis, final String target) {
        return String.format(java.util.Locale.ROOT, "%013d|%s", dueMillis, target);
    }

    /** Returns an upper bound of a range scan that includes every key due at or before {@code nowMillis}. */
    static String after(final long nowMillis) {
        // "<now>|target" sorts below "<now+1>", and every key due later sorts above it.
        return String.format(java.util.Locale.ROOT, "%013d", nowMillis + 1);
    }

    /** Returns when the target's state is next due: its pending step's deadline or its wait's end, or null. */
    static Instant dueAt(final TargetState state) {
        final ActiveIncident incident = state.getIncident();
        if (incident == null) {
            return null;
        }
        if (incident.getAwaitingOutcome()) {
            return incident.getDeadline();
        }
        return incident.getWaitUntil();
    }
}
