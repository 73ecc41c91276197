package io.ragreactor.ingress;

import java.time.Duration;
import java.time.Instant;

/**
 * Moves a recording to a new start time and compresses the gaps between its events, so a three-minute
 * recording plays in seconds while keeping its order and its relative spacing.
 */
public final class Retimer {

    private final Instant start;
    private final double compression;
    private Instant previousOriginal;
    private Instant previousRetimed;

    /**
     * @param start       the new time of the first event
     * @param compression how many times shorter each gap becomes, at least 1
     */
    public Retimer(final Instant start, final double compression) {
        if (compression < 1) {
            throw new IllegalArgumentException("compression must be at least 1, got " + compression);
        }
        this.start = start;
        this.compression = compression;
    }

    /** The new time of an event originally at {@code original}; events must come in recording order. */
    public Instant retime(final Instant original) {
        if (previousOriginal == null) {
            previousOriginal = original;
            previousRetimed = start;
            return start;
        }
        final long gapMillis = Math.max(0, Duration.between(previousOriginal, original).toMillis());
        previousOriginal = original;
        previousRetimed = previousRetimed.plusMillis(Math.round(gapMillis / compression));
        return previousRetimed;
    }
}
