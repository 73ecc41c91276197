package io.ragreactor.runbook;

import java.time.Duration;

/** How long one attempt of a ladder step may take before it counts as timed out, and how many attempts it gets. */
public record StepLimits(Duration deadline, int attempts) {
}
