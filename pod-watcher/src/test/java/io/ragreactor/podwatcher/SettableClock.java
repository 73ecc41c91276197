package io.ragreactor.podwatcher;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC clock that stays at the instant a test sets, so deadline checks need no sleeping. */
final class SettableClock extends Clock {

    private volatile Instant now;

    SettableClock(final Instant start) {
        this.now = start;
    }

    void set(final Instant instant) {
        now = instant;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(final ZoneId zone) {
        throw new UnsupportedOperationException("the test clock is UTC only");
    }
}
