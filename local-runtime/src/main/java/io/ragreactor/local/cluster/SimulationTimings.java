package io.ragreactor.local.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * Delays of the simulated controllers.
 *
 * @param controllerPeriod pause between two passes of the controllers
 * @param podReadyDelay time from a pod's creation, or from the restart that fixed it, until it is Running and Ready
 * @param jobCompletionDelay time from a Job's first observation until it is Complete
 * @param crashLoopBackOff time between two restarts of a crash-looping container; the simulation keeps it fixed,
 *     while a real kubelet doubles it up to 5 minutes
 */
public record SimulationTimings(Duration controllerPeriod, Duration podReadyDelay, Duration jobCompletionDelay,
        Duration crashLoopBackOff) {

    /** Back-off of {@link #defaults()}: short enough for the demo, long enough that restart counts grow slowly. */
    public static final Duration DEFAULT_CRASH_LOOP_BACK_OFF = Duration.ofSeconds(5);

    public SimulationTimings {
        Objects.requireNonNull(controllerPeriod, "controllerPeriod");
        Objects.requireNonNull(podReadyDelay, "podReadyDelay");
        Objects.requireNonNull(jobCompletionDelay, "jobCompletionDelay");
        Objects.requireNonNull(crashLoopBackOff, "crashLoopBackOff");
        if (controllerPeriod.isNegative() || controllerPeriod.isZero()) {
            throw new IllegalArgumentException("controllerPeriod must be positive, got " + controllerPeriod);
        }
        if (podReadyDelay.isNegative() || jobCompletionDelay.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative, got podReadyDelay=" + podReadyDelay
                    + " jobCompletionDelay=" + jobCompletionDelay);
        }
        if (crashLoopBackOff.isNegative() || crashLoopBackOff.isZero()) {
            throw new IllegalArgumentException("crashLoopBackOff must be positive, got " + crashLoopBackOff);
        }
    }

    /** Creates timings with the default crash-loop back-off, {@link #DEFAULT_CRASH_LOOP_BACK_OFF}. */
    public SimulationTimings(final Duration controllerPeriod, final Duration podReadyDelay,
            final Duration jobCompletionDelay) {
        this(controllerPeriod, podReadyDelay, jobCompletionDelay, DEFAULT_CRASH_LOOP_BACK_OFF);
    }

    /**
     * 200 ms between controller passes, pods Ready 500 ms after creation, Jobs Complete 300 ms after creation, and
     * 5 s between restarts of a crash-looping container.
     */
    public static SimulationTimings defaults() {
        return new SimulationTimings(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofMillis(300),
                DEFAULT_CRASH_LOOP_BACK_OFF);
    }
}
