package io.ragreactor.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Scenario A settings: detection of a shard that is down or corrupt, and its recovery ladder's parameters. */
public record ShardDownSettings(String component, Detection detection, String registryConfigMap, Replicas replicas,
                                Workload workload, Steps steps) {

    /**
     * Groups of shards holding the same data. A group keeps at least {@code minHealthy} members that are not
     * marked unhealthy, and a marked shard's queries go to a healthy member. A shard in no group has no replica.
     */
    public record Replicas(List<List<String>> groups, int minHealthy) {

        public static final Replicas NONE = new Replicas(List.of(), 1);

        /** Returns the other members of {@code shard}'s group, in file order; empty when it has no replica. */
        public List<String> replicasOf(final String shard) {
            for (final List<String> group : groups) {
                if (group.contains(shard)) {
                    return group.stream().filter(member -> !member.equals(shard)).toList();
                }
            }
            return List.of();
        }
    }

    /** An incident opens when one shard shows {@code threshold} symptoms within {@code window}. */
    public record Detection(int threshold, Duration window, List<Pattern> ioErrorPatterns,
                            List<Pattern> checksumErrorPatterns, Pattern segmentPattern,
                            double documentCountTolerance) {
    }

    /** The workload serving one shard; names are templates over {@code {shard}} and {@code {namespace}}. */
    public record Workload(String kind, String nameTemplate, String container, String indexVolume,
                           Map<String, String> podSelectorTemplate) {
    }

    /** Parameters of each ladder step. */
    public record Steps(StepLimits markUnhealthy, StepLimits routeToReplica, Reopen reopen, Restore restore, Validate validate,
                        StepLimits reintroduce, Reindex reindex) {
    }

    /**
     * Reindex of the documents a restore lost, after the shard is back in service. The Job's command may use
     * {@code {shard}} and {@code {namespace}}. Documents changed within {@code lookback} before the first
     * symptom are reindexed, so the lookback must cover the age of the newest complete snapshot.
     */
    public record Reindex(boolean enabled, JobTemplate job, Duration lookback, StepLimits limits) {
    }

    /** Graceful reopen by exec of an argument vector in the shard's pod. */
    public record Reopen(List<String> argvTemplate, StepLimits limits, int maxOutputBytes) {
    }

    /** Restore of the newest complete snapshot to a new volume. */
    public record Restore(String bucket, String prefixTemplate, String pvcNamePrefixTemplate, String storageSize,
                          String storageClassName, String mountPath, String snapshotEnvVar, JobTemplate job,
                          StepLimits limits) {
    }

    /** A Job whose name prefix is a template. */
    public record JobTemplate(String namePrefixTemplate, String image, List<String> command, int backoffLimit,
                              Duration activeDeadline) {
    }

    /** Validation with golden queries pinned to the shard. */
    public record Validate(String retrieverUrl, GoldenSet goldenSet, int queries, Duration requestTimeout,
                           StepLimits limits) {
    }
}
