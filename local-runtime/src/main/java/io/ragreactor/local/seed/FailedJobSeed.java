package io.ragreactor.local.seed;

import java.time.Instant;
import java.util.List;

/**
 * A migration Job that already failed. Its Failed condition gives the reason BackoffLimitExceeded, and the container
 * of its one pod terminated with an error and left a log.
 *
 * @param name the Job's name, also the {@code job-name} label of its pod
 * @param podName the name of the Job's pod
 * @param container the name of the pod's container
 * @param command the container's argument vector
 * @param exitCode the container's exit code
 * @param startedAt when the container started
 * @param finishedAt when it terminated, also when the Job failed
 * @param logFile the file name of the container's log, for messages
 * @param log the container's log
 */
public record FailedJobSeed(String name, String podName, String container, List<String> command, int exitCode,
        Instant startedAt, Instant finishedAt, String logFile, String log) {

    public FailedJobSeed {
        command = List.copyOf(command);
    }
}
