package io.ragreactor.actuators.bootstrap;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.actuators.jobs.CommandJobs;
import io.ragreactor.actuators.jobs.PodLogs;
import io.ragreactor.actuators.kubernetes.PodReadiness;
import io.ragreactor.schemas.command.InspectBootstrap;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects, read-only, why a workload does not start. It records the state of the init containers and containers
 * of the workload's newest pods, the logs of crash-looping containers (their previous terminated instance when
 * there is one), and the conditions and pod log tail of its migration Jobs. The evidence is the result, so the
 * step succeeds whenever the workload exists and its state could be read.
 */
public final class InspectBootstrapHandler implements ActionHandler<InspectBootstrap> {

    /** Pods inspected per command, newest first, because older pods of a crash loop show the same failure. */
    public static final int MAX_PODS = 5;
    /** Migration Jobs inspected per command, to bound the size of the outcome. */
    public static final int MAX_JOBS = 10;
    /** Upper bound of {@code maxLogBytes}, the same as the runbook reader's. */
    public static final int MAX_LOG_BYTES = 1024 * 1024;
    /**
     * Log bytes kept per command over all logs, so the outcome stays below the 1 MiB default of the producer's
     * max.request.size. A log read after the budget is used up is cut to what is left of it.
     */
    public static final int TOTAL_LOG_BYTES = 512 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(InspectBootstrapHandler.class);
    private static final String CRASH_LOOP = "CrashLoopBackOff";

    private final KubernetesClient client;
    private final PodLogs logs;
    private final CommandJobs jobs;

    public InspectBootstrapHandler(final KubernetesClient client) {
        this.client = client;
        this.logs = new PodLogs(client);
        this.jobs = new CommandJobs(client);
    }

    @Override
    public Class<InspectBootstrap> actionType() {
        return InspectBootstrap.class;
    }

    @Override
    public void checkGuards(final InspectBootstrap action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        final String kind = action.getWorkload().getKind();
        guards.parameter("Deployment".equals(kind) || "StatefulSet".equals(kind), "workload.kind", kind,
                "must be Deployment or StatefulSet");
        guards.dnsSubdomain("workload.name", action.getWorkload().getName());
        guards.labelSelector("podSelector", action.getPodSelector());
        guards.parameter(action.getJobNames().size() <= MAX_JOBS, "jobNames", action.getJobNames(),
                "must name at most " + MAX_JOBS + " Jobs");
        for (final String jobName : action.getJobNames()) {
            guards.dnsLabel("jobNames", jobName);
        }
        guards.parameter(action.getMaxLogBytes() > 0 && action.getMaxLogBytes() <= MAX_LOG_BYTES, "maxLogBytes",
                action.getMaxLogBytes(), "must be between 1 and " + MAX_LOG_BYTES);
    }

    @Override
    public StepResult execute(final InspectBootstrap action, final ExecutionContext context) {
        final String namespace = action.getNamespace();
        final List<Evidence> evidence = new ArrayList<>();

        // The workload first, because without it there is nothing to inspect.
        final WorkloadRef workload = action.getWorkload();
        final String workloadResource = workloadResource(namespace, workload);
        final HasMetadata found = "StatefulSet".equals(workload.getKind())
                ? client.apps().statefulSets().inNamespace(namespace).withName(workload.getName()).get()
                : client.apps().deployments().inNamespace(namespace).withName(workload.getName()).get();
        context.recordCall("GET " + workloadResource);
        if (found == null) {
            return StepResult.of(OutcomeReason.NOT_FOUND, workloadResource + " does not exist");
        }

        // The newest pods, their container states, and the logs of the containers that keep crashing.
        final String podsResource = "pods/" + namespace + "?labelSelector="
                + PodReadiness.selector(action.getPodSelector());
        final List<Pod> pods = client.pods().inNamespace(namespace).withLabels(action.getPodSelector()).list()
                .getItems().stream()
                .sorted(Comparator.comparing(PodReadiness::createdAt).thenComparing(p -> p.getMetadata().getName())
                        .reversed())
                .limit(MAX_PODS)
                .toList();
        context.recordCall("LIST " + podsResource);
        if (pods.isEmpty()) {
            evidence.add(Evidences.of("pods", podsResource, "no pod matches the selector"));
        }
        final LogBudget budget = new LogBudget(action.getMaxLogBytes());
        final List<String> crashing = new ArrayList<>();
        for (final Pod pod : pods) {
            inspectPod(pod, budget, context, evidence, crashing);
        }

        // The migration Jobs. A missing one is a finding, not a failure.
        final List<String> jobStates = new ArrayList<>();
        for (final String jobName : action.getJobNames()) {
            jobStates.add(jobName + ": " + inspectJob(namespace, jobName, budget, context, evidence));
        }

        final String detail = "inspected " + workloadResource + ": " + pods.size() + " pod(s), crash-looping "
                + (crashing.isEmpty() ? "none" : String.join(", ", crashing))
                + (jobStates.isEmpty() ? "" : "; jobs " + String.join("; ", jobStates));
        LOG.info("Bootstrap inspected: workload=[{}] pods=[{}] crashLooping=[{}] jobs=[{}] {}", workloadResource,
                pods.size(), crashing, jobStates, context);
        return StepResult.of(context.dryRun() ? OutcomeReason.DRY_RUN : OutcomeReason.OK,
                (context.dryRun() ? "dry run, read only: " : "") + detail, evidence);
    }

    private void inspectPod(final Pod pod, final LogBudget budget, final ExecutionContext context,
                            final List<Evidence> evidence, final List<String> crashing) {
        final String namespace = pod.getMetadata().getNamespace();
        final String podName = pod.getMetadata().getName();
        final List<String> lines = new ArrayList<>();
        lines.add("phase=" + (pod.getStatus() == null ? null : pod.getStatus().getPhase()) + " created="
                + pod.getMetadata().getCreationTimestamp());
        if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
            final String notTrue = pod.getStatus().getConditions().stream()
                    .filter(c -> !"True".equals(c.getStatus()))
                    .map(InspectBootstrapHandler::describe)
                    .collect(Collectors.joining("; "));
            if (!notTrue.isEmpty()) {
                lines.add("conditions not true: " + notTrue);
            }
        }
        final List<ContainerStatus> logged = new ArrayList<>();
        for (final boolean init : new boolean[] {true, false}) {
            for (final ContainerStatus status : PodLogs.statuses(pod, init)) {
                lines.add((init ? "init container " : "container ") + PodLogs.describe(status));
                if (isFailing(status)) {
                    logged.add(status);
                }
            }
        }
        evidence.add(Evidences.of("pod-state", "pods/" + namespace + "/" + podName, String.join("\n", lines)));

        for (final ContainerStatus status : logged) {
            // The previous instance is the one that crashed, while the current one often only waits out its back-off.
            final boolean previous = status.getState() != null && status.getState().getTerminated() == null
                    && status.getLastState() != null && status.getLastState().getTerminated() != null;
            final PodLogs.LogTail log = logs.tail(namespace, podName, status.getName(), previous, budget.next());
            context.recordCall("GET pods/" + namespace + "/" + podName + "/log?container=" + status.getName()
                    + (previous ? "&previous=true" : ""));
            if (previous && !log.available()) {
                // The kubelet keeps only the last terminated instance and may have removed it, so read the current log.
                evidence.add(budget.spend(logs.tail(namespace, podName, status.getName(), false, budget.next())
                        .evidence()));
                context.recordCall("GET pods/" + namespace + "/" + podName + "/log?container=" + status.getName());
            } else {
                evidence.add(budget.spend(log.evidence()));
            }
            crashing.add(status.getName() + " in " + podName);
        }
    }

    private String inspectJob(final String namespace, final String jobName, final LogBudget budget,
                              final ExecutionContext context, final List<Evidence> evidence) {
        final String jobResource = "jobs/" + namespace + "/" + jobName;
        final Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        context.recordCall("GET " + jobResource);
        if (job == null) {
            evidence.add(Evidences.of("job-status", jobResource, "Job not found"));
            return "not found";
        }
        final String state = CommandJobs.describe(job);
        evidence.add(Evidences.of("job-status", jobResource, state));
        for (final Evidence item : jobs.podEvidence(namespace, jobName, budget.next(), context)) {
            evidence.add("log".equals(item.getKind()) ? budget.spend(item) : item);
        }
        if (CommandJobs.hasCondition(job, "Failed")) {
            return "Failed";
        }
        return CommandJobs.hasCondition(job, "Complete") ? "Complete" : "not finished";
    }

    /** Returns whether a container keeps crashing or has just failed, so its log explains why. */
    private static boolean isFailing(final ContainerStatus status) {
        if (status.getState() != null && status.getState().getWaiting() != null
                && CRASH_LOOP.equals(status.getState().getWaiting().getReason())) {
            return true;
        }
        if (status.getState() != null && status.getState().getTerminated() != null) {
            final Integer exitCode = status.getState().getTerminated().getExitCode();
            return exitCode != null && exitCode != 0;
        }
        return false;
    }

    private static String workloadResource(final String namespace, final WorkloadRef workload) {
        return ("StatefulSet".equals(workload.getKind()) ? "statefulsets/" : "deployments/") + namespace + "/"
                + workload.getName();
    }

    private static String describe(final PodCondition condition) {
        return condition.getType() + "=" + condition.getStatus()
                + (condition.getReason() == null ? "" : " reason=" + condition.getReason())
                + (condition.getMessage() == null ? "" : " message=" + condition.getMessage());
    }

    /** Bytes of log evidence left for one command: each log gets {@code maxLogBytes} or what is left, if less. */
    private static final class LogBudget {

        private final int maxLogBytes;
        private int remaining = TOTAL_LOG_BYTES;

        LogBudget(final int maxLogBytes) {
            this.maxLogBytes = maxLogBytes;
        }

        /** Returns the bound of the next log; at least 1, because the API rejects a log request for 0 bytes. */
        int next() {
            return Math.max(1, Math.min(maxLogBytes, remaining));
        }

        Evidence spend(final Evidence log) {
            remaining -= Math.min(remaining, log.getText().getBytes(StandardCharsets.UTF_8).length);
            return log;
        }
    }
}
