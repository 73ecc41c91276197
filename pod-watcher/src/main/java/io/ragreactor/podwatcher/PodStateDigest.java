package io.ragreactor.podwatcher;

import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.PodStatus;
import java.util.List;

/**
 * The fields of a {@link PodStatus} whose change the reactor must see: the phase, the pod's readiness, and each
 * container's and init container's readiness, restart count and waiting reason. Two statuses with equal digests
 * are the same to the reactor, so the second is not reported.
 */
record PodStateDigest(String phase, boolean ready, List<Container> initContainers, List<Container> containers) {

    /** The part of one container's state in the digest. */
    record Container(String name, boolean ready, int restartCount, String waitingReason) {
    }

    static PodStateDigest of(final PodStatus status) {
        return new PodStateDigest(status.getPhase(), status.getReady(), containers(status.getInitContainers()),
                containers(status.getContainers()));
    }

    private static List<Container> containers(final List<ContainerState> states) {
        return states.stream()
                .map(state -> new Container(state.getName(), state.getReady(), state.getRestartCount(),
                        state.getWaitingReason()))
                .toList();
    }
}
