package io.ragreactor.local.cluster;

import java.time.Duration;
import java.util.Objects;

/**
 * Delays of the simulated controllers.
 *
 * @param controllerPeriod pause between two passes of the controllers
 * @param podReadyDelay time from a pod's creation by the Deployment controller until it is Running and Ready
 * @param jobCompletionDelay time from a Job's first observation until it is Complete
 */
public record SimulationTimings(Duration controllerPeriod, Duration podReadyDelay, Duration jobCompletionDelay) {

    public SimulationTimings {
        Objects.requireNonNull(controllerPeriod, "controllerPeriod");
        Objects.requireNonNull(podReadyDelay, "podReadyDelay");
        Objects.requireNonNull(jobCompletionDelay, "jobCompletionDelay");
        if (controllerPeriod.isNegative() || controllerPeriod.isZero()) {
            throw new IllegalArgumentException("controllerPeriod must be positive, got " + controllerPeriod);
        }
        if (podReadyDelay.isNegative() || jobCompletionDelay.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative, got podReadyDelay=" + podReadyDelay
                    + " jobCompletionDelay=" + jobCompletionDelay);
        }
    }

    /** 200 ms between controller passes, pods Ready 500 ms after creation, Jobs Complete 300 ms after creation. */
    public static SimulationTimings defaults() {
        return new SimulationTimings(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofMillis(300));
    }
}
