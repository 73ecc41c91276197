package io.ragreactor.ingress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * Logs rejected requests at WARN, at most {@code maxPerInterval} per interval, and counts the rest, so a client
 * that keeps sending bad bodies cannot flood the log. The first rejection after a quiet interval reports how many
 * were counted without a line.
 */
final class RejectionLog {

    private final Logger log;
    private final Clock clock;
    private final Duration interval;
    private final int maxPerInterval;
    private Instant intervalStart = Instant.MIN;
    private int loggedInInterval;
    private long suppressed;

    RejectionLog(final Logger log, final Clock clock, final Duration interval, final int maxPerInterval) {
        this.log = log;
        this.clock = clock;
        this.interval = interval;
        this.maxPerInterval = maxPerInterval;
    }

    /** Logs that a request to {@code path} got {@code status} for {@code reason}, unless this interval's share is used. */
    synchronized void rejected(final String path, final int status, final String reason) {
        final Instant now = clock.instant();
        if (intervalStart == Instant.MIN || !now.isBefore(intervalStart.plus(interval))) {
            intervalStart = now;
            loggedInInterval = 0;
        }
        if (loggedInInterval >= maxPerInterval) {
            suppressed++;
            return;
        }
        loggedInInterval++;
        if (suppressed > 0) {
            log.warn("Rejected {} more request(s) without logging each, at most {} are logged per {}", suppressed,
                    maxPerInterval, interval);
            suppressed = 0;
        }
        log.warn("Rejected request path=[{}] status=[{}]: {}", path, status, reason);
    }
}
