package io.ragreactor.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Scenario A settings: detection of a shard that is down or corrupt, and its recovery ladder's parameters. */
public record ShardDownSettings(String component, Detection detection, String registryConfigMap, Workload workload, Steps steps) {

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
    public record Steps(StepLimits markUnhealthy, Reopen reopen, Restore restore, Validate validate,
                        StepLimits reintroduce) {
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
