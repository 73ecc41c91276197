package io.ragreactor.actuators.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** A point in time on a clock after which a step counts as timed out. */
public final class Deadline {

    private final Clock clock;
    private final Instant at;

    public Deadline(final Clock clock, final Instant at) {
        this.clock = clock;
        this.at = at;
    }

    public Instant at() {
        return at;
    }

    public boolean passed() {
        return !clock.instant().isBefore(at);
    }

    /** Returns the time left, zero once passed. */
    public Duration remaining() {
        final Duration left = Duration.between(clock.instant(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Sleeps for {@code interval} or until the deadline, whichever comes first. */
    public void sleep(final Duration interval) {
        final Duration nap = interval.compareTo(remaining()) < 0 ? interval : remaining();
        try {
            Thread.sleep(Math.max(1, nap.toMillis()));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure(OutcomeReason.INTERNAL_ERROR, "interrupted while waiting");
        }
    }
}
