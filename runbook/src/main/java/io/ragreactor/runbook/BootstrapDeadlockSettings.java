package io.ragreactor.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Scenario C settings: detection of a stack that cannot start (crash loops, pods never Ready, logs naming a
 * circular dependency or a missing migration) and the parameters of its ladder. {@code workloads} lists the
 * stack's workloads in start order.
 */
public record BootstrapDeadlockSettings(Detection detection, List<Workload> workloads, Steps steps) {

    /**
     * An incident opens when one workload shows {@code threshold} symptoms within {@code window}. A container
     * waiting with one of {@code crashLoopReasons}, or a pod not Ready {@code readyDeadline} after its creation,
     * is a symptom; the patterns (case-insensitive) classify log lines.
     */
    public record Detection(int threshold, Duration window, List<String> crashLoopReasons, Duration readyDeadline,
                            List<Pattern> circularDependencyPatterns, List<Pattern> missingMigrationPatterns) {
    }

    /** One workload of the stack: its component, its Deployment or StatefulSet, and the labels of its pods. */
    public record Workload(String component, String kind, String name, Map<String, String> podSelector) {
    }

    /** Capture of init container and migration Job logs as evidence, each cut to {@code maxLogBytes}. */
    public record Inspect(List<String> jobNames, int maxLogBytes, StepLimits limits) {
    }

    /** The migrations, run again in a Job the ladder controls. */
    public record RunMigrations(boolean enabled, ShardDownSettings.JobTemplate job, StepLimits limits) {
    }

    /** Start of the workloads in order, each given {@code readyTimeout} to become Ready. */
    public record StartInOrder(Duration readyTimeout, StepLimits limits) {
    }

    /** Scale-down of every workload, then their start one by one in order. */
    public record RestartOneByOne(boolean enabled, StepLimits limits) {
    }

    /** Parameters of each ladder step. */
    public record Steps(Inspect inspect, RunMigrations runMigrations, StartInOrder startInOrder,
                        RestartOneByOne restartOneByOne) {
    }

    /** Finds the workload with this component and name, if the runbook lists it. */
    public Optional<Workload> workload(final String component, final String name) {
        return workloads.stream()
                .filter(workload -> workload.component().equals(component) && workload.name().equals(name))
                .findFirst();
    }
}
