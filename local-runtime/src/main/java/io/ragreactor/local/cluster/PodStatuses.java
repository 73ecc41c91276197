package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.ragreactor.local.seed.BlockedContainerSeed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds the pod statuses the simulated kubelet writes: created, crash-looping, restarted and Ready. Restart
 * counts and the last termination of each container carry over from the pod's previous status, as in Kubernetes.
 */
final class PodStatuses {

    private static final String CRASH_LOOP = "CrashLoopBackOff";

    private PodStatuses() {
    }

    /** Builds the status of a freshly scheduled pod whose init containers and containers are still being created. */
    static PodStatus pending(final PodSpec spec, final Instant now) {
        final String time = now.toString();
        final boolean hasInit = !spec.getInitContainers().isEmpty();
        final List<ContainerStatus> init = new ArrayList<>();
        for (final Container container : spec.getInitContainers()) {
            init.add(waiting(container, "PodInitializing", null, 0, null));
        }
        final List<ContainerStatus> containers = new ArrayList<>();
        for (final Container container : spec.getContainers()) {
            containers.add(waiting(container, hasInit ? "PodInitializing" : "ContainerCreating", null, 0, null));
        }
        return new PodStatusBuilder()
                .withPhase("Pending")
                .withConditions(
                        condition("PodScheduled", "True", null, null, time),
                        hasInit ? condition("Initialized", "False", "ContainersNotInitialized", null, time)
                                : condition("Initialized", "True", null, null, time),
                        condition("ContainersReady", "False", "ContainersNotReady", null, time),
                        condition("Ready", "False", "ContainersNotReady", null, time))
                .withInitContainerStatuses(init)
                .withContainerStatuses(containers)
                .build();
    }

    /** Builds the status of a pod whose init containers completed and whose containers run and are Ready. */
    static PodStatus ready(final Pod pod, final Instant now) {
        final String time = now.toString();
        final PodSpec spec = pod.getSpec();
        final List<ContainerStatus> init = new ArrayList<>();
        for (final Container container : spec.getInitContainers()) {
            init.add(completed(container, previous(pod, container.getName(), true), time));
        }
        final List<ContainerStatus> containers = new ArrayList<>();
        for (final Container container : spec.getContainers()) {
            containers.add(running(container, previous(pod, container.getName(), false), true, time));
        }
        return new PodStatusBuilder()
                .withPhase("Running")
                .withStartTime(startTime(pod, time))
                .withConditions(
                        condition("PodScheduled", "True", null, null, time),
                        condition("Initialized", "True", null, null, time),
                        condition("ContainersReady", "True", null, null, time),
                        condition("Ready", "True", null, null, time))
                .withInitContainerStatuses(init)
                .withContainerStatuses(containers)
                .build();
    }

    /**
     * Builds the status after the blocked container failed once more: it waits out its back-off in
     * CrashLoopBackOff, its restart count is one higher, and its last state is the failed run. An init container's
     * failure keeps the pod Pending with its containers waiting; a container's failure leaves the pod Running but
     * not Ready.
     */
    static PodStatus crashLooping(final Pod pod, final BlockedContainerSeed blocked, final Duration backOff,
            final Instant now) {
        final String time = now.toString();
        final PodSpec spec = pod.getSpec();
        final String podName = pod.getMetadata().getName();
        final String message = "back-off " + goDuration(backOff) + " restarting failed container=" + blocked.container()
                + " pod=" + podName + "_" + pod.getMetadata().getNamespace();
        final ContainerState failedRun = new ContainerStateBuilder().withNewTerminated()
                .withExitCode(blocked.exitCode())
                .withReason("Error")
                .withStartedAt(now.minusSeconds(1).toString())
                .withFinishedAt(time)
                .endTerminated().build();

        final List<ContainerStatus> init = new ArrayList<>();
        boolean blockedSeen = false;
        for (final Container container : spec.getInitContainers()) {
            final Optional<ContainerStatus> previous = previous(pod, container.getName(), true);
            if (blocked.init() && blocked.container().equals(container.getName())) {
                init.add(crashed(container, previous, message, failedRun));
                blockedSeen = true;
            } else if (blockedSeen) {
                // Init containers run in order, so the ones after the failing one never start.
                init.add(waiting(container, "PodInitializing", null, restarts(previous), null));
            } else {
                init.add(completed(container, previous, time));
            }
        }
        final List<ContainerStatus> containers = new ArrayList<>();
        for (final Container container : spec.getContainers()) {
            final Optional<ContainerStatus> previous = previous(pod, container.getName(), false);
            if (blocked.init()) {
                containers.add(waiting(container, "PodInitializing", null, restarts(previous), null));
            } else if (blocked.container().equals(container.getName())) {
                containers.add(crashed(container, previous, message, failedRun));
            } else {
                containers.add(running(container, previous, true, time));
            }
        }

        final String unready = "[" + blocked.container() + "]";
        final List<PodCondition> conditions = new ArrayList<>();
        conditions.add(condition("PodScheduled", "True", null, null, time));
        conditions.add(blocked.init()
                ? condition("Initialized", "False", "ContainersNotInitialized", "containers with incomplete status: "
                        + unready, time)
                : condition("Initialized", "True", null, null, time));
        conditions.add(condition("ContainersReady", "False", "ContainersNotReady", blocked.init() ? null
                : "containers with unready status: " + unready, time));
        conditions.add(condition("Ready", "False", "ContainersNotReady", blocked.init() ? null
                : "containers with unready status: " + unready, time));
        return new PodStatusBuilder()
                .withPhase(blocked.init() ? "Pending" : "Running")
                .withStartTime(startTime(pod, time))
                .withConditions(conditions)
                .withInitContainerStatuses(init)
                .withContainerStatuses(containers)
                .build();
    }

    /**
     * Builds the status right after the blocked container was restarted and no longer fails: an init container
     * completed, or a container runs. The pod is Running and becomes Ready once its containers pass their probes.
     */
    static PodStatus restarted(final Pod pod, final BlockedContainerSeed blocked, final Instant now) {
        final String time = now.toString();
        final PodSpec spec = pod.getSpec();
        final List<ContainerStatus> init = new ArrayList<>();
        for (final Container container : spec.getInitContainers()) {
            final Optional<ContainerStatus> previous = previous(pod, container.getName(), true);
            final boolean restartedNow = blocked.init() && blocked.container().equals(container.getName());
            init.add(completed(container, restartedNow ? previous.map(PodStatuses::restartedOnce) : previous, time));
        }
        final List<ContainerStatus> containers = new ArrayList<>();
        for (final Container container : spec.getContainers()) {
            final Optional<ContainerStatus> previous = previous(pod, container.getName(), false);
            final boolean restartedNow = !blocked.init() && blocked.container().equals(container.getName());
            containers.add(running(container, restartedNow ? previous.map(PodStatuses::restartedOnce) : previous, false,
                    time));
        }
        return new PodStatusBuilder()
                .withPhase("Running")
                .withStartTime(startTime(pod, time))
                .withConditions(
                        condition("PodScheduled", "True", null, null, time),
                        condition("Initialized", "True", null, null, time),
                        condition("ContainersReady", "False", "ContainersNotReady", null, time),
                        condition("Ready", "False", "ContainersNotReady", null, time))
                .withInitContainerStatuses(init)
                .withContainerStatuses(containers)
                .build();
    }

    /** Returns whether the container's status waits in CrashLoopBackOff. */
    static boolean isCrashLooping(final Pod pod, final BlockedContainerSeed blocked) {
        return previous(pod, blocked.container(), blocked.init())
                .map(ContainerStatus::getState)
                .map(ContainerState::getWaiting)
                .map(waiting -> CRASH_LOOP.equals(waiting.getReason()))
                .orElse(false);
    }

    /** Finds the status of a container or init container in the pod's current status. */
    static Optional<ContainerStatus> previous(final Pod pod, final String container, final boolean init) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        final List<ContainerStatus> statuses = init ? pod.getStatus().getInitContainerStatuses()
                : pod.getStatus().getContainerStatuses();
        return statuses.stream().filter(status -> container.equals(status.getName())).findFirst();
    }

    private static ContainerStatus crashed(final Container container, final Optional<ContainerStatus> previous,
            final String message, final ContainerState failedRun) {
        return new ContainerStatusBuilder()
                .withName(container.getName())
                .withImage(container.getImage())
                .withReady(false)
                .withStarted(false)
                .withRestartCount(restarts(previous) + 1)
                .withNewState().withNewWaiting().withReason(CRASH_LOOP).withMessage(message).endWaiting().endState()
                .withLastState(failedRun)
                .build();
    }

    private static ContainerStatus completed(final Container container, final Optional<ContainerStatus> previous,
            final String time) {
        return new ContainerStatusBuilder()
                .withName(container.getName())
                .withImage(container.getImage())
                .withReady(true)
                .withStarted(false)
                .withRestartCount(restarts(previous))
                .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").withStartedAt(time)
                .withFinishedAt(time).endTerminated().endState()
                .withLastState(lastState(previous))
                .build();
    }

    private static ContainerStatus running(final Container container, final Optional<ContainerStatus> previous,
            final boolean ready, final String time) {
        return new ContainerStatusBuilder()
                .withName(container.getName())
                .withImage(container.getImage())
                .withReady(ready)
                .withStarted(true)
                .withRestartCount(restarts(previous))
                .withNewState().withNewRunning().withStartedAt(time).endRunning().endState()
                .withLastState(lastState(previous))
                .build();
    }

    private static ContainerStatus waiting(final Container container, final String reason, final String message,
            final int restarts, final ContainerState lastState) {
        return new ContainerStatusBuilder()
                .withName(container.getName())
                .withImage(container.getImage())
                .withReady(false)
                .withStarted(false)
                .withRestartCount(restarts)
                .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState()
                .withLastState(lastState)
                .build();
    }

    private static ContainerStatus restartedOnce(final ContainerStatus status) {
        return new ContainerStatusBuilder(status).withRestartCount(restarts(Optional.of(status)) + 1).build();
    }

    private static int restarts(final Optional<ContainerStatus> previous) {
        return previous.map(ContainerStatus::getRestartCount).orElse(0);
    }

    /** Returns the last termination to keep: the previous last state, since a running instance replaces no record of it. */
    private static ContainerState lastState(final Optional<ContainerStatus> previous) {
        return previous.map(ContainerStatus::getLastState)
                .filter(state -> state.getTerminated() != null)
                .orElse(null);
    }

    /** Formats a duration the way the kubelet's messages do, for example {@code 5s}, {@code 2m40s} or {@code 300ms}. */
    static String goDuration(final Duration duration) {
        final long millis = duration.toMillis();
        if (millis % 1000 != 0) {
            return millis + "ms";
        }
        final long seconds = millis / 1000;
        return seconds >= 60 ? seconds / 60 + "m" + seconds % 60 + "s" : seconds + "s";
    }

    private static String startTime(final Pod pod, final String fallback) {
        return pod.getStatus() != null && pod.getStatus().getStartTime() != null ? pod.getStatus().getStartTime()
                : fallback;
    }

    private static PodCondition condition(final String type, final String status, final String reason,
            final String message, final String time) {
        return new PodConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withLastTransitionTime(time)
                .build();
    }
}
