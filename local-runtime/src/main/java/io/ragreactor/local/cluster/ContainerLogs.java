package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.ragreactor.local.seed.BlockedContainerSeed;
import io.ragreactor.local.seed.BootstrapSeed;
import io.ragreactor.local.seed.FailedJobSeed;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;

/**
 * Computes a container's log from the simulation's state, the way the kubelet serves it. The failed migration
 * Job's container logs the seeded log file. A blocked container's failed run logs the seed's crash lines, each
 * prefixed with the run's start or end time. Any other container logs nothing. A crash-looping container's current
 * log is its last failed run's, and a container that has not started yet has no log.
 */
final class ContainerLogs {

    private final Optional<BootstrapSeed> bootstrap;

    ContainerLogs(final Optional<BootstrapSeed> bootstrap) {
        this.bootstrap = bootstrap;
    }

    /** A log, or the API error that a request for it gets. */
    record LogRead(String text, int code, String reason, String message) {

        static LogRead log(final String text) {
            return new LogRead(text, HttpURLConnection.HTTP_OK, null, null);
        }

        static LogRead error(final int code, final String reason, final String message) {
            return new LogRead(null, code, reason, message);
        }

        boolean found() {
            return code == HttpURLConnection.HTTP_OK;
        }
    }

    /**
     * Reads the log of a container or init container of the pod.
     *
     * @param previous whether to read the previous, terminated run instead of the current one
     */
    LogRead read(final Pod pod, final String container, final boolean init, final boolean previous) {
        final String podName = pod.getMetadata().getName();
        final Optional<ContainerStatus> status = PodStatuses.previous(pod, container, init);
        final Optional<ContainerStateTerminated> lastRun = status
                .map(ContainerStatus::getLastState)
                .map(state -> state.getTerminated());
        final Optional<ContainerStateTerminated> currentRun = status
                .map(ContainerStatus::getState)
                .map(state -> state.getTerminated());

        // The failed migration Job's container ran once and terminated, so only its current log exists.
        final Optional<FailedJobSeed> failedJob = bootstrap.flatMap(BootstrapSeed::failedJob)
                .filter(job -> job.podName().equals(podName) && job.container().equals(container) && !init);
        if (failedJob.isPresent()) {
            return previous ? previousNotFound(container, podName) : LogRead.log(failedJob.get().log());
        }

        final Optional<BlockedContainerSeed> blocked = Pods.workloadName(pod)
                .flatMap(workload -> bootstrap.flatMap(seed -> seed.blockedContainer(workload)))
                .filter(rule -> rule.container().equals(container) && rule.init() == init);
        if (previous) {
            if (lastRun.isEmpty()) {
                return previousNotFound(container, podName);
            }
            return LogRead.log(blocked.map(rule -> crashLog(rule, lastRun.get())).orElse(""));
        }
        final Optional<String> waitingReason = status
                .map(ContainerStatus::getState)
                .map(state -> state.getWaiting())
                .map(waiting -> waiting.getReason());
        if (waitingReason.isPresent() && !"CrashLoopBackOff".equals(waitingReason.get())) {
            return LogRead.error(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest", "container \"" + container
                    + "\" in pod \"" + podName + "\" is waiting to start: " + waitingReason.get());
        }
        if (blocked.isEmpty()) {
            return LogRead.log("");
        }
        // While a container waits out its back-off, the kubelet serves the log of its last, failed run.
        final Optional<ContainerStateTerminated> failedRun = waitingReason.isPresent() ? lastRun
                : currentRun.filter(run -> run.getExitCode() != null && run.getExitCode() != 0);
        return LogRead.log(failedRun.map(run -> crashLog(blocked.get(), run)).orElse(""));
    }

    private static String crashLog(final BlockedContainerSeed blocked, final ContainerStateTerminated run) {
        final List<String> lines = blocked.crashLog();
        final StringBuilder log = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            // The last line is the exit, logged when the run finished; the others when it started.
            final String time = i == lines.size() - 1 ? run.getFinishedAt() : run.getStartedAt();
            log.append(time == null ? "" : time + " ").append(lines.get(i)).append('\n');
        }
        return log.toString();
    }

    private static LogRead previousNotFound(final String container, final String podName) {
        return LogRead.error(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest", "previous terminated container \""
                + container + "\" in pod \"" + podName + "\" not found");
    }
}
