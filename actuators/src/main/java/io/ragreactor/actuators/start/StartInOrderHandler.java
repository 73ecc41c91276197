package io.ragreactor.actuators.start;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.StartInOrder;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Deployments and StatefulSets one by one in the command's order, each only after the previous one is
 * Ready. With {@code scaleDownFirst} it first scales every listed workload to zero, recording its replica count
 * in the {@value #REPLICAS_BEFORE_ANNOTATION} annotation, and waits until their pods are gone. Every workload
 * it changes carries the command id in the {@value #COMMAND_ID_ANNOTATION} annotation, so a re-delivered
 * command does not scale down again what an earlier delivery already scaled down or started. The pods may take
 * {@code readyTimeoutMs} to go, and then each workload {@code readyTimeoutMs} to become Ready.
 */
public final class StartInOrderHandler implements ActionHandler<StartInOrder> {

    /** Annotation on each changed workload naming the command that last scaled it. */
    public static final String COMMAND_ID_ANNOTATION = "ragreactor.io/command-id";
    /** Annotation with a workload's replica count from before the scale-down, removed when the workload is started. */
    public static final String REPLICAS_BEFORE_ANNOTATION = "ragreactor.io/replicas-before";
    /** Maximum number of workloads one command may start, so a step stays bounded. */
    public static final int MAX_WORKLOADS = 50;

    private static final Logger LOG = LoggerFactory.getLogger(StartInOrderHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEPLOYMENT = "Deployment";
    private static final String STATEFUL_SET = "StatefulSet";

    private final KubernetesClient client;

    public StartInOrderHandler(final KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Class<StartInOrder> actionType() {
        return StartInOrder.class;
    }

    @Override
    public void checkGuards(final StartInOrder action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        final List<WorkloadRef> order = action.getOrder();
        guards.parameter(!order.isEmpty() && order.size() <= MAX_WORKLOADS, "order", order.size() + " workloads",
                "must list between 1 and " + MAX_WORKLOADS + " workloads");
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < order.size(); i++) {
            final WorkloadRef workload = order.get(i);
            guards.parameter(DEPLOYMENT.equals(workload.getKind()) || STATEFUL_SET.equals(workload.getKind()),
                    "order[" + i + "].kind", workload.getKind(), "must be Deployment or StatefulSet");
            guards.dnsSubdomain("order[" + i + "].name", workload.getName());
            guards.parameter(seen.add(workload.getKind() + "/" + workload.getName()), "order[" + i + "]",
                    workload.getKind() + "/" + workload.getName(), "is listed twice");
        }
        guards.parameter(action.getReadyTimeoutMs() > 0, "readyTimeoutMs", action.getReadyTimeoutMs(),
                "must be positive");
    }

    @Override
    public StepResult execute(final StartInOrder action, final ExecutionContext context) {
        final String namespace = action.getNamespace();
        final List<String> progress = new ArrayList<>();

        // Read every workload before changing any, so a wrong name changes nothing.
        final List<WorkloadState> initial = new ArrayList<>();
        for (final WorkloadRef workload : action.getOrder()) {
            final WorkloadState state = read(namespace, workload);
            context.recordCall("GET " + state.resource());
            initial.add(state);
        }
        if (context.dryRun()) {
            return dryRun(action, context, initial);
        }

        // Scale every workload to zero and wait until their pods are gone.
        if (action.getScaleDownFirst()) {
            scaleDownAll(action, context, initial, progress);
        }

        // Start each workload only after the one before it is Ready.
        for (final WorkloadRef workload : action.getOrder()) {
            startAndAwait(action, workload, context, progress);
        }
        LOG.info("Workloads started in order: namespace=[{}] order=[{}] {}", namespace, orderText(action), context);
        return StepResult.of(OutcomeReason.OK, "started " + action.getOrder().size() + " workloads in order in "
                + namespace + ": " + orderText(action), List.of(orderEvidence(action, progress)));
    }

    private StepResult dryRun(final StartInOrder action, final ExecutionContext context,
                              final List<WorkloadState> initial) {
        final List<WorkloadState> planned = new ArrayList<>();
        for (final WorkloadState state : initial) {
            if (action.getScaleDownFirst() && !changedByThisCommand(state, context)) {
                context.recordCall("PATCH " + state.resource() + " (replicas " + state.specReplicas() + " -> 0)");
                planned.add(scaledDown(state));
            } else {
                planned.add(state);
            }
        }
        if (action.getScaleDownFirst()) {
            context.recordCall("LIST pods of every listed workload (until none is left)");
        }
        final List<String> progress = new ArrayList<>();
        for (final WorkloadState state : planned) {
            final int target = startReplicas(state);
            if (state.specReplicas() != target) {
                context.recordCall("PATCH " + state.resource() + " (replicas " + state.specReplicas() + " -> " + target
                        + ")");
            }
            context.recordCall("GET " + state.resource() + " (until " + target + " replicas are Ready)");
            progress.add(state.resource() + ": would start with " + target + " replicas");
        }
        return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would start " + action.getOrder().size()
                + " workloads in order in " + action.getNamespace() + ": " + orderText(action),
                List.of(orderEvidence(action, progress)));
    }

    private void scaleDownAll(final StartInOrder action, final ExecutionContext context,
                              final List<WorkloadState> initial, final List<String> progress) {
        for (int i = 0; i < initial.size(); i++) {
            final WorkloadState state = initial.get(i);
            if (changedByThisCommand(state, context)) {
                // An earlier delivery scaled it down, and may have started it again since.
                LOG.info("Workload already scaled by this command, not scaling it down again: workload=[{}] {}",
                        state.resource(), context);
                continue;
            }
            final int before = recordedCount(state);
            patch(action.getNamespace(), action.getOrder().get(i), scalePatch(0, context.commandId(), before, false));
            context.recordSideEffect("PATCH " + state.resource() + " (replicas " + state.specReplicas() + " -> 0)");
            progress.add(state.resource() + ": scaled down from " + state.specReplicas() + " replicas ("
                    + REPLICAS_BEFORE_ANNOTATION + "=" + before + ")");
            LOG.info("Workload scaled down: workload=[{}] replicasBefore=[{}] {}", state.resource(), before, context);
        }
        final Deadline deadline = context.deadlineAfter(Duration.ofMillis(action.getReadyTimeoutMs()));
        for (final WorkloadRef workload : action.getOrder()) {
            final WorkloadState state = read(action.getNamespace(), workload);
            // A workload that an earlier delivery already started keeps its pods.
            if (state.specReplicas() == 0) {
                awaitPodsGone(action, state, deadline, context, progress);
            }
        }
    }

    private void startAndAwait(final StartInOrder action, final WorkloadRef workload, final ExecutionContext context,
                               final List<String> progress) {
        final WorkloadState state = read(action.getNamespace(), workload);
        final int target = startReplicas(state);
        final Instant started = context.clock().instant();
        if (state.specReplicas() != target) {
            patch(action.getNamespace(), workload, scalePatch(target, context.commandId(), null,
                    state.annotations().containsKey(REPLICAS_BEFORE_ANNOTATION)));
            context.recordSideEffect("PATCH " + state.resource() + " (replicas " + state.specReplicas() + " -> "
                    + target + ")");
            LOG.info("Workload scaled up: workload=[{}] replicas=[{}] {}", state.resource(), target, context);
        }
        // NOTE: a re-delivery counts the timeout again from its own start, not from the earlier scale-up.
        final Deadline deadline = context.deadlineAfter(Duration.ofMillis(action.getReadyTimeoutMs()));
        awaitReady(action, workload, state.resource(), deadline, context, progress);
        final long millis = Duration.between(started, context.clock().instant()).toMillis();
        progress.add(state.resource() + ": " + target + " replicas Ready after " + millis + " ms");
        LOG.info("Workload Ready: workload=[{}] replicas=[{}] millis=[{}] {}", state.resource(), target, millis,
                context);
    }

    private void awaitReady(final StartInOrder action, final WorkloadRef workload, final String resource,
                            final Deadline deadline, final ExecutionContext context, final List<String> progress) {
        int polls = 0;
        String lastState = "not read yet";
        try {
            while (true) {
                try {
                    final WorkloadState state = read(action.getNamespace(), workload);
                    polls++;
                    lastState = state.describe();
                    if (state.isReady()) {
                        return;
                    }
                    if (state.rolloutFailed()) {
                        progress.add(resource + ": rollout failed, " + lastState);
                        throw new StepFailure(OutcomeReason.WORKLOAD_NOT_READY, resource + " did not become Ready: "
                                + state.rolloutFailure(), List.of(orderEvidence(action, progress)));
                    }
                } catch (final KubernetesClientException e) {
                    // A failed read while waiting is retried until the deadline, because the API server may be restarting.
                    lastState = "read failed: HTTP " + e.getCode();
                    LOG.warn("Reading the workload failed, retrying: workload=[{}] code=[{}] {}", resource,
                            e.getCode(), context);
                }
                if (deadline.passed()) {
                    progress.add(resource + ": not Ready, " + lastState);
                    throw new StepFailure(OutcomeReason.DEADLINE_PASSED, resource + " did not become Ready within "
                            + action.getReadyTimeoutMs() + " ms: " + lastState, List.of(orderEvidence(action, progress)));
                }
                deadline.sleep(context.pollInterval());
            }
        } finally {
            context.recordCall("GET " + resource + " (polled " + polls + " times until Ready, last state: " + lastState
                    + ")");
        }
    }

    private void awaitPodsGone(final StartInOrder action, final WorkloadState state, final Deadline deadline,
                               final ExecutionContext context, final List<String> progress) {
        final LabelSelector selector = state.selector();
        if (selector == null || (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty())) {
            // An empty selector would match every pod of the namespace, so this workload's pods cannot be identified.
            throw new StepFailure(OutcomeReason.INVALID_PARAMETER, state.resource() + " has no pod selector, so"
                    + " its pods cannot be found", List.of(orderEvidence(action, progress)));
        }
        int polls = 0;
        String lastSeen = "not listed yet";
        try {
            while (true) {
                try {
                    final List<Pod> pods = client.pods().inNamespace(action.getNamespace())
                            .withLabelSelector(selector).list().getItems();
                    polls++;
                    if (pods.isEmpty()) {
                        return;
                    }
                    lastSeen = pods.stream().map(p -> p.getMetadata().getName()).sorted()
                            .collect(Collectors.joining(", "));
                } catch (final KubernetesClientException e) {
                    lastSeen = "list failed: HTTP " + e.getCode();
                    LOG.warn("Listing the workload's pods failed, retrying: workload=[{}] code=[{}] {}",
                            state.resource(), e.getCode(), context);
                }
                if (deadline.passed()) {
                    progress.add(state.resource() + ": pods still present after the scale-down: " + lastSeen);
                    throw new StepFailure(OutcomeReason.DEADLINE_PASSED, "pods of " + state.resource()
                            + " were still present " + action.getReadyTimeoutMs() + " ms after the scale-down: "
                            + lastSeen, List.of(orderEvidence(action, progress)));
                }
                deadline.sleep(context.pollInterval());
            }
        } finally {
            context.recordCall("LIST pods of " + state.resource() + " (polled " + polls + " times until none was left)");
        }
    }

    private WorkloadState read(final String namespace, final WorkloadRef workload) {
        final String resource = resourceOf(namespace, workload);
        if (DEPLOYMENT.equals(workload.getKind())) {
            final Deployment deployment = client.apps().deployments().inNamespace(namespace)
                    .withName(workload.getName()).get();
            if (deployment == null) {
                throw new StepFailure(OutcomeReason.NOT_FOUND, resource + " does not exist");
            }
            return WorkloadState.of(deployment, resource);
        }
        final StatefulSet statefulSet = client.apps().statefulSets().inNamespace(namespace)
                .withName(workload.getName()).get();
        if (statefulSet == null) {
            throw new StepFailure(OutcomeReason.NOT_FOUND, resource + " does not exist");
        }
        return WorkloadState.of(statefulSet, resource);
    }

    private void patch(final String namespace, final WorkloadRef workload, final String mergePatch) {
        final PatchContext merge = PatchContext.of(PatchType.JSON_MERGE);
        if (DEPLOYMENT.equals(workload.getKind())) {
            client.apps().deployments().inNamespace(namespace).withName(workload.getName()).patch(merge, mergePatch);
        } else {
            client.apps().statefulSets().inNamespace(namespace).withName(workload.getName()).patch(merge, mergePatch);
        }
    }

    /**
     * Builds a JSON merge patch that sets the replica count and the command id annotation. It records the count
     * before the change when one is given, or removes the recorded count when asked, because a start uses it up.
     */
    static String scalePatch(final int replicas, final String commandId, final Integer replicasBefore,
                             final boolean removeRecordedCount) {
        final ObjectNode patch = JSON.createObjectNode();
        final ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        annotations.put(COMMAND_ID_ANNOTATION, commandId);
        if (replicasBefore != null) {
            annotations.put(REPLICAS_BEFORE_ANNOTATION, Integer.toString(replicasBefore));
        } else if (removeRecordedCount) {
            annotations.putNull(REPLICAS_BEFORE_ANNOTATION);
        }
        patch.putObject("spec").put("replicas", replicas);
        return patch.toString();
    }

    /**
     * Returns the count to record before a scale-down: the current count, or, when the workload is already at
     * zero, the count an earlier scale-down recorded, so a second scale-down does not overwrite it with zero.
     */
    static int recordedCount(final WorkloadState state) {
        if (state.specReplicas() > 0) {
            return state.specReplicas();
        }
        final Integer recorded = annotatedCount(state);
        return recorded == null ? 0 : recorded;
    }

    /**
     * Returns the count to start a workload with: its current count when it has replicas, else the count
     * recorded before its scale-down, else 1.
     */
    static int startReplicas(final WorkloadState state) {
        if (state.specReplicas() > 0) {
            return state.specReplicas();
        }
        final Integer recorded = annotatedCount(state);
        return recorded != null && recorded > 0 ? recorded : 1;
    }

    private static Integer annotatedCount(final WorkloadState state) {
        final String value = state.annotations().get(REPLICAS_BEFORE_ANNOTATION);
        if (value == null) {
            return null;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (final NumberFormatException e) {
            return null;
        }
    }

    /** Returns the state a scale-down would leave: zero replicas and the recorded count in the annotation. */
    private static WorkloadState scaledDown(final WorkloadState state) {
        final Map<String, String> annotations = new HashMap<>(state.annotations());
        annotations.put(REPLICAS_BEFORE_ANNOTATION, Integer.toString(recordedCount(state)));
        return new WorkloadState(state.resource(), 0, 0, state.generation(), state.observedGeneration(), annotations,
                state.selector(), null);
    }

    private static boolean changedByThisCommand(final WorkloadState state, final ExecutionContext context) {
        return context.commandId().equals(state.annotations().get(COMMAND_ID_ANNOTATION));
    }

    private static String resourceOf(final String namespace, final WorkloadRef workload) {
        return (DEPLOYMENT.equals(workload.getKind()) ? "deployments/" : "statefulsets/") + namespace + "/"
                + workload.getName();
    }

    private static String orderText(final StartInOrder action) {
        return action.getOrder().stream().map(w -> w.getKind() + "/" + w.getName()).collect(Collectors.joining(", "));
    }

    private static Evidence orderEvidence(final StartInOrder action, final List<String> progress) {
        return Evidences.of("start-order", "namespace " + action.getNamespace(), "order: " + orderText(action)
                + (action.getScaleDownFirst() ? " (scaled down first)" : "") + "\n"
                + progress.stream().map(line -> "- " + line).collect(Collectors.joining("\n")));
    }
}
