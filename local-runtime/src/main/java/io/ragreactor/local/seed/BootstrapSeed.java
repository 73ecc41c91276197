package io.ragreactor.local.seed;

import java.util.List;
import java.util.Optional;

/**
 * The stack's start-up state: the database schema version and the version the workloads require, the Jobs that
 * migrate it, the containers that cannot start below it, the pods seeded as they are, and a failed migration Job.
 *
 * @param schemaVersion the schema version the database starts with
 * @param requiredSchemaVersion the version the blocked containers need, at least {@code schemaVersion}
 * @param migrationImage a Job whose container runs this image raises the schema to the required version
 * @param blocked the containers that fail below the required version
 * @param pods pods created as they are instead of the workloads' Ready pod {@code <name>-0}
 * @param failedJob the migration Job that already failed, if any
 */
public record BootstrapSeed(int schemaVersion, int requiredSchemaVersion, String migrationImage,
        List<BlockedContainerSeed> blocked, List<PodSeed> pods, Optional<FailedJobSeed> failedJob) {

    public BootstrapSeed {
        blocked = List.copyOf(blocked);
        pods = List.copyOf(pods);
    }

    /** Finds the blocked container of a workload, if the workload has one. */
    public Optional<BlockedContainerSeed> blockedContainer(final String workload) {
        return blocked.stream().filter(container -> container.workload().equals(workload)).findFirst();
    }

    /** Lists the seeded pods of a workload, in seed order. */
    public List<PodSeed> podsOf(final String workload) {
        return pods.stream().filter(pod -> pod.workload().equals(workload)).toList();
    }
}
