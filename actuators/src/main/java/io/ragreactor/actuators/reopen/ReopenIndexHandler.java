package io.ragreactor.actuators.reopen;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.actuators.kubernetes.PodReadiness;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.common.Evidence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reopens a shard's index by exec in the newest Ready pod of the shard: the argument vector goes to the
 * API as separate {@code command} parameters, never through a shell, and the exit code decides the outcome.
 * The whole step, from the pod lookup to the exit status, is bounded by the command's timeout. Before the
 * exec, the pod is annotated with the command id ({@value #EXEC_COMMAND_ANNOTATION}), so a command delivered
 * again after its actuator stopped mid-exec fails with an unknown result instead of running a second time.
 */
public final class ReopenIndexHandler implements ActionHandler<ReopenIndex> {

    /** Largest output bound a command may ask for, so one outcome record stays small. */
    public static final int MAX_OUTPUT_BYTES = 64 * 1024;

    /** Pod annotation naming the last command that started an exec in the pod. */
    public static final String EXEC_COMMAND_ANNOTATION = "ragreactor.io/exec-command-id";

    private static final Logger LOG = LoggerFactory.getLogger(ReopenIndexHandler.class);
    private static final int STATUS_BYTES = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;

    public ReopenIndexHandler(final KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Class<ReopenIndex> actionType() {
        return ReopenIndex.class;
    }

    @Override
    public void checkGuards(final ReopenIndex action, final RecoveryCommand command, final Guards guards) throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        guards.labelSelector("podSelector", action.getPodSelector());
        if (action.getContainer() != null) {
            guards.dnsLabel("container", action.getContainer());
        }
        final List<String> argv = action.getArgv();
        guards.parameter(argv != null && !argv.isEmpty() && !argv.get(0).isEmpty(), "argv", argv,
                "needs at least the program to run");
        guards.parameter(argv.stream().noneMatch(arg -> arg.indexOf('\0') >= 0), "argv", argv,
                "an argument contains a NUL character");
        guards.parameter(action.getTimeoutMs() > 0, "timeoutMs", action.getTimeoutMs(), "must be positive");
        guards.parameter(action.getMaxOutputBytes() > 0 && action.getMaxOutputBytes() <= MAX_OUTPUT_BYTES,
                "maxOutputBytes", action.getMaxOutputBytes(), "must be between 1 and " + MAX_OUTPUT_BYTES);
    }

    // The status channel is read as well as the exit code because it carries the API server's message, such as
    // a missing executable, which the exit code alone (-1) does not name; fabric8 8.0 deprecates reading it.
    @SuppressWarnings("deprecation")
    @Override
    public StepResult execute(final ReopenIndex action, final ExecutionContext context) {
        final Deadline deadline = context.deadlineAfter(Duration.ofMillis(action.getTimeoutMs()));
        final String namespace = action.getNamespace();

        // Find the newest Ready pod of the shard.
        final String selector = PodReadiness.selector(action.getPodSelector());
        final List<Pod> pods = client.pods().inNamespace(namespace).withLabels(action.getPodSelector()).list()
                .getItems();
        context.recordCall("LIST pods/" + namespace + "?labelSelector=" + selector);
        final Optional<Pod> chosen = PodReadiness.newestReady(pods);
        if (chosen.isEmpty()) {
            return StepResult.of(OutcomeReason.NO_READY_POD, "no Ready pod in " + namespace + " matches " + selector,
                    List.of(Evidences.of("pods", "pods/" + namespace + "?labelSelector=" + selector, describe(pods))));
        }
        final Pod pod = chosen.get();
        final String podName = pod.getMetadata().getName();
        final String container = containerOf(pod, action.getContainer());
        if (container == null) {
            return StepResult.of(OutcomeReason.NOT_FOUND, "pod " + namespace + "/" + podName + " has no container "
                    + (action.getContainer() == null ? "at all" : action.getContainer()));
        }
        final String source = "pods/" + namespace + "/" + podName + "/" + container;
        final String call = "POST pods/" + namespace + "/" + podName + "/exec container=" + container + " command="
                + action.getArgv();
        if (context.dryRun()) {
            context.recordCall(call);
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would exec " + action.getArgv() + " in " + source);
        }

        // An earlier delivery that got as far as the exec left its mark on the pod, so the exec is not repeated.
        final Map<String, String> annotations = pod.getMetadata().getAnnotations();
        if (annotations != null && context.commandId().equals(annotations.get(EXEC_COMMAND_ANNOTATION))) {
            LOG.warn("Exec not repeated: an earlier delivery started it, result unknown: pod=[{}] {}", source, context);
            return StepResult.of(OutcomeReason.EXEC_RESULT_UNKNOWN, "an earlier delivery of this command started "
                    + action.getArgv() + " in " + source + " and stopped before its result; not run again");
        }
        final String mark = "PATCH pods/" + namespace + "/" + podName + " (annotation " + EXEC_COMMAND_ANNOTATION + ")";
        try {
            client.pods().inNamespace(namespace).withName(podName).patch(PatchContext.of(PatchType.JSON_MERGE),
                    execMarkPatch(context.commandId()));
        } catch (final KubernetesClientException e) {
            context.recordCall(mark);
            LOG.warn("Exec not started, the pod could not be marked: pod=[{}] code=[{}] {}", source, e.getCode(),
                    context, e);
            return StepResult.of(OutcomeReason.KUBERNETES_ERROR, "exec in " + source + " not started: marking the pod"
                    + " with the command id failed: HTTP " + e.getCode() + " " + e.getMessage());
        }
        context.recordSideEffect(mark);

        // Exec and wait for the exit status on the status channel, within what is left of the timeout.
        final BoundedOutput output = new BoundedOutput(action.getMaxOutputBytes());
        final BoundedOutput status = new BoundedOutput(STATUS_BYTES);
        final ExecWatch watch;
        try {
            watch = client.pods().inNamespace(namespace).withName(podName).inContainer(container)
                    .withReadyWaitTimeout(remainingMillis(deadline))
                    .writingOutput(output)
                    .writingError(output)
                    .writingErrorChannel(status)
                    .exec(action.getArgv().toArray(new String[0]));
        } catch (final KubernetesClientException e) {
            context.recordCall(call);
            if (deadline.passed()) {
                return timedOut(action, source, output, deadline);
            }
            LOG.warn("Exec could not start: pod=[{}] {}", source, context, e);
            return StepResult.of(OutcomeReason.EXEC_FAILED, "exec in " + source + " could not start: "
                    + e.getMessage());
        }
        context.recordSideEffect(call);
        LOG.info("Exec started: pod=[{}] argv=[{}] {}", source, action.getArgv(), context);
        final Integer exitCode;
        try {
            exitCode = watch.exitCode().get(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
        } catch (final TimeoutException e) {
            // The pod stopped responding or the process hangs. Closing the watch ends the exec stream.
            watch.close();
            LOG.warn("Exec timed out: pod=[{}] timeoutMs=[{}] {}", source, action.getTimeoutMs(), context);
            return timedOut(action, source, output, deadline);
        } catch (final ExecutionException e) {
            watch.close();
            LOG.warn("Exec failed: pod=[{}] {}", source, context, e.getCause());
            return StepResult.of(OutcomeReason.EXEC_FAILED, "exec in " + source + " failed: " + e.getCause(),
                    List.of(outputEvidence(source, output)));
        } catch (final InterruptedException e) {
            watch.close();
            Thread.currentThread().interrupt();
            return StepResult.of(OutcomeReason.INTERNAL_ERROR, "interrupted while waiting for exec in " + source);
        }
        watch.close();
        return resultOf(exitCode, action, source, output, status);
    }

    private static StepResult resultOf(final Integer exitCode, final ReopenIndex action, final String source,
                                       final BoundedOutput output, final BoundedOutput status) {
        final List<Evidence> evidence = new ArrayList<>();
        if (exitCode == null) {
            evidence.add(outputEvidence(source, output));
            return StepResult.of(OutcomeReason.NO_EXIT_STATUS, "exec stream of " + source
                    + " closed without an exit status", evidence);
        }
        evidence.add(Evidences.of("exit-code", source, String.valueOf(exitCode)));
        evidence.add(outputEvidence(source, output));
        if (exitCode == 0) {
            return StepResult.of(OutcomeReason.OK, action.getArgv() + " exited 0 in " + source, evidence);
        }
        if (!status.text().isEmpty()) {
            evidence.add(Evidences.of("exec-status", source, status.text()));
        }
        return StepResult.of(OutcomeReason.NON_ZERO_EXIT, action.getArgv() + " exited " + exitCode + " in " + source,
                evidence);
    }

    private static StepResult timedOut(final ReopenIndex action, final String source, final BoundedOutput output,
                                       final Deadline deadline) {
        return StepResult.of(OutcomeReason.DEADLINE_PASSED, "exec of " + action.getArgv() + " in " + source
                + " did not finish within " + action.getTimeoutMs() + " ms (deadline " + deadline.at() + ")",
                List.of(outputEvidence(source, output)));
    }

    private static Evidence outputEvidence(final String source, final BoundedOutput output) {
        final Evidence evidence = Evidences.of("output", source, output.text(), Integer.MAX_VALUE);
        evidence.setTruncated(output.truncated());
        return evidence;
    }

    private static int remainingMillis(final Deadline deadline) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, deadline.remaining().toMillis()));
    }

    /** Returns the requested container when the pod has it, the pod's first container when none is requested, else null. */
    private static String containerOf(final Pod pod, final String requested) {
        final List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
        if (containers == null || containers.isEmpty()) {
            return null;
        }
        if (requested == null) {
            return containers.get(0).getName();
        }
        return containers.stream().anyMatch(c -> requested.equals(c.getName())) ? requested : null;
    }

    private static String describe(final List<Pod> pods) {
        if (pods.isEmpty()) {
            return "no pod matches";
        }
        return pods.stream()
                .map(p -> p.getMetadata().getName() + " ready=" + PodReadiness.isReady(p))
                .collect(Collectors.joining(", "));
    }

    /** Returns the merge patch that sets the exec annotation; the command id is JSON-escaped by the mapper. */
    private static String execMarkPatch(final String commandId) {
        final ObjectNode patch = JSON.createObjectNode();
        patch.putObject("metadata").putObject("annotations").put(EXEC_COMMAND_ANNOTATION, commandId);
        return patch.toString();
    }
}
