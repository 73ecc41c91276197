package io.ragreactor.runbook;

import java.time.Duration;

/** Where ladders end: the operator channel named in escalation commands, and the deadline of that step. */
public record Escalation(String channel, String severity, Duration deadline) {
}
