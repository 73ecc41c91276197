package io.ragreactor.cli;

import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Human-readable lines for outcomes, incident updates and ages, as the operator commands print them. */
final class RecordText {

    /** Layout of a tail line: time, kind, target, text. */
    static final String TAIL_LINE = "%-24s %-8s %-32s %s";

    /** ISO-8601 in UTC with milliseconds always shown, so the times of a column line up. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private RecordText() {
    }

    /** Describes an outcome, for example {@code mark-unhealthy #1 SUCCEEDED (ok): set shard-5 ... [inc-...]}. */
    static String describe(final RecoveryOutcome outcome) {
        return outcome.getStep() + " #" + outcome.getAttempt() + " " + outcome.getStatus() + " (" + outcome.getReason()
                + "): " + outcome.getDetail() + " [" + outcome.getIncidentId() + "]";
    }

    /** Describes an incident update, for example {@code inc-... ESCALATED restore #2: escalated: ...}. */
    static String describe(final IncidentUpdate update) {
        return update.getIncidentId() + " " + update.getState() + " " + update.getStep() + " #" + update.getAttempt()
                + ": " + update.getChange();
    }

    /** Returns the tail line of an outcome, with the time the actuator finished. */
    static String tailLine(final RecoveryOutcome outcome) {
        return String.format(Locale.ROOT, TAIL_LINE, TIME.format(outcome.getFinishedAt()), "outcome",
                outcome.getTarget(), describe(outcome));
    }

    /** Returns the tail line of an incident update, with the time of the change. */
    static String tailLine(final IncidentUpdate update) {
        return String.format(Locale.ROOT, TAIL_LINE, TIME.format(update.getUpdatedAt()), "incident", update.getTarget(),
                describe(update));
    }

    /** Returns the tail line of a tombstone, a record without a value that deletes its key's earlier records. */
    static String tombstoneLine(final Instant timestamp, final String kind, final String key) {
        return String.format(Locale.ROOT, TAIL_LINE, TIME.format(timestamp), kind, "", "tombstone for key " + key);
    }

    /** Formats an age as its two largest units, for example {@code 3d 4h}, {@code 2h 13m} or {@code 45s}. */
    static String age(final Duration age) {
        final long seconds = Math.max(0, age.toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m " + (seconds % 60) + "s";
        }
        if (seconds < 86_400) {
            return (seconds / 3600) + "h " + (seconds % 3600 / 60) + "m";
        }
        return (seconds / 86_400) + "d " + (seconds % 86_400 / 3600) + "h";
    }
}
