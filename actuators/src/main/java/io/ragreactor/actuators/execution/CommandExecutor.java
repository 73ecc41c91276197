package io.ragreactor.actuators.execution;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns one command into its one outcome: runs the guards of the command's action, executes it, and maps
 * every way a step can end onto a status and reason. Runtime exceptions become FAILED outcomes, so a bad
 * command cannot stop the consumer; only an {@link Error} propagates.
 */
public final class CommandExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(CommandExecutor.class);

    private final Map<Class<?>, ActionHandler<?>> handlers = new HashMap<>();
    private final Guards guards;
    private final String actuatorId;
    private final Clock clock;
    private final Duration pollInterval;
    private final SideEffectHook sideEffectHook;

    public CommandExecutor(final List<ActionHandler<?>> handlers, final Guards guards, final String actuatorId,
                           final Clock clock, final Duration pollInterval, final SideEffectHook sideEffectHook) {
        for (final ActionHandler<?> handler : handlers) {
            this.handlers.put(handler.actionType(), handler);
        }
        this.guards = guards;
        this.actuatorId = actuatorId;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.sideEffectHook = sideEffectHook;
    }

    /** Executes {@code command} and returns its outcome. */
    public RecoveryOutcome execute(final RecoveryCommand command) {
        final ExecutionContext context = new ExecutionContext(command, clock, pollInterval, sideEffectHook);
        final Object action = command.getAction();
        final String actionName = action == null ? "null" : action.getClass().getSimpleName();
        LOG.info("Executing command: action=[{}] step=[{}] attempt=[{}] dryRun=[{}] {}", actionName,
                command.getStep(), command.getAttempt(), command.getDryRun(), context);
        final StepResult result = run(action, context);
        final RecoveryOutcome outcome = RecoveryOutcome.newBuilder()
                .setCommandId(command.getCommandId())
                .setIncidentId(command.getIncidentId())
                .setTarget(command.getTarget())
                .setStep(command.getStep())
                .setAttempt(command.getAttempt())
                .setStatus(result.reason().status())
                .setReason(result.reason().code())
                .setStartedAt(context.startedAt())
                .setFinishedAt(clock.instant())
                .setDetail(result.detail())
                .setCalls(context.calls())
                .setEvidence(result.evidence())
                .setActuator(actuatorId)
                .build();
        LOG.info("Command finished: action=[{}] status=[{}] reason=[{}] detail=[{}] {}", actionName,
                outcome.getStatus(), outcome.getReason(), outcome.getDetail(), context);
        return outcome;
    }

    private StepResult run(final Object action, final ExecutionContext context) {
        final ActionHandler<?> handler = action == null ? null : handlers.get(action.getClass());
        if (handler == null) {
            // Every action of the schema has a handler; a command written with a newer schema may not.
            return StepResult.of(OutcomeReason.UNSUPPORTED_ACTION, "this actuator does not execute action "
                    + (action == null ? "null" : action.getClass().getSimpleName()));
        }
        try {
            return guardAndExecute(handler, action, context);
        } catch (final GuardRejection e) {
            LOG.warn("Command rejected by guard: reason=[{}] message=[{}] {}", e.reason().code(), e.getMessage(),
                    context);
            return StepResult.of(e.reason(), e.getMessage());
        } catch (final StepFailure e) {
            return e.result();
        } catch (final KubernetesClientException e) {
            LOG.warn("Kubernetes call failed: code=[{}] {}", e.getCode(), context, e);
            return StepResult.of(OutcomeReason.KUBERNETES_ERROR, "Kubernetes call failed (HTTP " + e.getCode() + "): "
                    + e.getMessage());
        } catch (final SdkException e) {
            LOG.warn("S3 call failed: {}", context, e);
            return StepResult.of(OutcomeReason.S3_ERROR, "S3 call failed: " + e.getMessage());
        } catch (final RuntimeException e) {
            LOG.error("Command failed with an unexpected exception: {}", context, e);
            return StepResult.of(OutcomeReason.INTERNAL_ERROR, "actuator failed: " + e);
        }
    }

    private static <A> StepResult guardAndExecute(final ActionHandler<A> handler, final Object action,
                                                  final ExecutionContext context, final Guards guards)
            throws GuardRejection {
        final A typed = handler.actionType().cast(action);
        handler.checkGuards(typed, context.command(), guards);
        return handler.execute(typed, context);
    }

    private StepResult guardAndExecute(final ActionHandler<?> handler, final Object action,
                                       final ExecutionContext context) throws GuardRejection {
        return guardAndExecute(handler, action, context, guards);
    }
}
