package io.ragreactor.local.seed;

import java.util.List;

/**
 * A container that exits with an error while the database schema is below the required version, so its pod
 * crash-loops instead of becoming Ready.
 *
 * @param workload the workload whose pods contain the container
 * @param container the container's name
 * @param init whether it is an init container
 * @param exitCode the exit code of each failed start
 * @param crashLog the lines each failed start logs, without timestamps
 */
public record BlockedContainerSeed(String workload, String container, boolean init, int exitCode,
        List<String> crashLog) {

    public BlockedContainerSeed {
        crashLog = List.copyOf(crashLog);
    }
}
