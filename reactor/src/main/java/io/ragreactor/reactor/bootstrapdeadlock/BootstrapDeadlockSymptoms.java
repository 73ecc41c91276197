package io.ragreactor.reactor.bootstrapdeadlock;

import io.ragreactor.runbook.BootstrapDeadlockSettings;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.LogLine;
import io.ragreactor.schemas.health.PodStatus;
import io.ragreactor.schemas.health.ReadinessDeadlineMissed;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides whether a health event is a symptom of a stack that cannot start. Symptoms are a container or
 * init container waiting in a crash loop, a pod not Ready by its deadline, and a log line naming a circular
 * dependency or a missing migration. Other waiting reasons, such as ContainerCreating, are normal start-up.
 */
public final class BootstrapDeadlockSymptoms {

    /** Kind of a symptom from a container waiting with one of the runbook's crash-loop reasons. */
    static final String CRASH_LOOP = "crash-loop";
    static final String NOT_READY = "not-ready";
    static final String CIRCULAR_DEPENDENCY = "circular-dependency";
    static final String MISSING_MIGRATION = "missing-migration";

    /** Characters of a log line kept in a symptom's description; the whole line stays in the health event. */
    private static final int MAX_LINE_CHARS = 300;

    /** Pod phases in which a crash loop shows: Running for containers, Pending for init containers. */
    private static final List<String> CRASH_LOOP_PHASES = List.of("Running", "Pending");

    /**
     * One recognised symptom.
     *
     * @param kind one of the symptom kinds of this class, stored as the trigger of the incident it opens
     * @param description one line for the incident record and the logs
     * @param source the pod, or pod and container, the symptom comes from, as evidence names its source
     */
    public record Finding(String kind, String description, String source) {
    }

    private final BootstrapDeadlockSettings.Detection detection;

    public BootstrapDeadlockSymptoms(final BootstrapDeadlockSettings.Detection detection) {
        this.detection = detection;
    }

    /** Returns the symptom {@code event} shows, or empty when it is not one. */
    public Optional<Finding> describe(final HealthEvent event) {
        final Object payload = event.getPayload();
        if (payload instanceof PodStatus status) {
            return crashLoop(status);
        }
        if (payload instanceof ReadinessDeadlineMissed missed) {
            return Optional.of(new Finding(NOT_READY, "pod " + missed.getPodName() + " not Ready "
                    + missed.getDeadlineSeconds() + "s after its creation at " + missed.getPodCreatedAt(),
                    missed.getPodName()));
        }
        if (payload instanceof LogLine log) {
            return logLine(log);
        }
        return Optional.empty();
    }

    /** Returns the owning workload a pod-level payload names, or empty for other payloads. */
    public static Optional<WorkloadRef> workload(final HealthEvent event) {
        final Object payload = event.getPayload();
        if (payload instanceof PodStatus status) {
            return Optional.of(new WorkloadRef(status.getWorkloadKind(), status.getWorkloadName()));
        }
        if (payload instanceof ReadinessDeadlineMissed missed) {
            return Optional.of(new WorkloadRef(missed.getWorkloadKind(), missed.getWorkloadName()));
        }
        if (payload instanceof LogLine log) {
            return Optional.of(new WorkloadRef(log.getWorkloadKind(), log.getWorkloadName()));
        }
        return Optional.empty();
    }

    /** Returns the workload revision a pod-level payload names, or empty when it names none. */
    public static Optional<String> revision(final HealthEvent event) {
        final Object payload = event.getPayload();
        if (payload instanceof PodStatus status) {
            return Optional.ofNullable(status.getRevision());
        }
        if (payload instanceof ReadinessDeadlineMissed missed) {
            return Optional.ofNullable(missed.getRevision());
        }
        if (payload instanceof LogLine log) {
            return Optional.ofNullable(log.getRevision());
        }
        return Optional.empty();
    }

    private Optional<Finding> crashLoop(final PodStatus status) {
        if (!CRASH_LOOP_PHASES.contains(status.getPhase())) {
            return Optional.empty();
        }
        // Init containers run first, so a crash-looping init container is the one that blocks the pod.
        final Optional<Finding> init = firstCrashLoop(status.getPodName(), status.getInitContainers(),
                "init container");
        if (init.isPresent()) {
            return init;
        }
        return firstCrashLoop(status.getPodName(), status.getContainers(), "container");
    }

    private Optional<Finding> firstCrashLoop(final String pod, final List<ContainerState> containers,
                                             final String containerKind) {
        for (final ContainerState container : containers) {
            final String reason = container.getWaitingReason();
            if (reason == null || !detection.crashLoopReasons().contains(reason)) {
                continue;
            }
            final String exit = container.getExitCode() == null ? "" : ", last exit code " + container.getExitCode();
            return Optional.of(new Finding(CRASH_LOOP, "pod " + pod + ": " + containerKind + " " + container.getName()
                    + " in " + reason + ", " + container.getRestartCount() + " restarts" + exit,
                    pod + "/" + container.getName()));
        }
        return Optional.empty();
    }

    private Optional<Finding> logLine(final LogLine log) {
        final String source = log.getPodName() + "/" + log.getContainer();
        if (anyFinds(detection.circularDependencyPatterns(), log.getLine())) {
            return Optional.of(new Finding(CIRCULAR_DEPENDENCY, "container " + source + " logs a circular dependency: "
                    + shortened(log.getLine()), source));
        }
        if (anyFinds(detection.missingMigrationPatterns(), log.getLine())) {
            return Optional.of(new Finding(MISSING_MIGRATION, "container " + source + " logs a missing migration: "
                    + shortened(log.getLine()), source));
        }
        return Optional.empty();
    }

    private static boolean anyFinds(final List<Pattern> patterns, final String line) {
        for (final Pattern pattern : patterns) {
            if (pattern.matcher(line).find()) {
                return true;
            }
        }
        return false;
    }

    private static String shortened(final String line) {
        return line.length() <= MAX_LINE_CHARS ? line : line.substring(0, MAX_LINE_CHARS) + "...";
    }
}
