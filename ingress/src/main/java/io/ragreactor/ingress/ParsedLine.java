package io.ragreactor.ingress;

import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;

/** The result of parsing one input line: an event, a skipped line, or a rejected one. */
public sealed interface ParsedLine {

    /** A health event to produce. */
    record Event(HealthEvent event) implements ParsedLine {
    }

    /** A well-formed line that is no symptom and no status, such as an INFO log line. */
    record Skipped(String why) implements ParsedLine {
    }

    /** A line that cannot become a health event; it goes to the dead-letter topic with this reason. */
    record Rejected(DeadLetterReason reason, String message) implements ParsedLine {
    }
}
