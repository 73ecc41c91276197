package io.ragreactor.local;

import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.SideEffectHook;
import io.ragreactor.schemas.command.RecoveryCommand;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/** Builds recovery commands and an executor that runs the actuators' handlers against the simulated cluster. */
public final class ActuatorCommands {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    private ActuatorCommands() {
    }

    /** Builds a command issued now with a deadline {@code deadline} later, as the reactor would for a live incident. */
    public static RecoveryCommand command(final String commandId, final String target, final String step,
            final Object action, final Duration deadline) {
        final Instant issuedAt = Instant.now();
        return RecoveryCommand.newBuilder()
                .setCommandId(commandId)
                .setIncidentId("inc-" + commandId)
                .setStep(step)
                .setAttempt(1)
                .setTarget(target)
                .setIssuedAt(issuedAt)
                .setDeadline(issuedAt.plus(deadline))
                .setDryRun(false)
                .setRunbookVersion("local-runtime-test")
                .setCauseEventIds(List.of("ev-1"))
                .setAction(action)
                .build();
    }

    /** Builds an executor of the handlers that may act in the namespace only, polling state every 50 ms. */
    public static CommandExecutor executor(final String namespace, final List<ActionHandler<?>> handlers) {
        return new CommandExecutor(handlers, new Guards(Set.of(namespace)), "local-runtime-test", Clock.systemUTC(),
                POLL_INTERVAL, SideEffectHook.NONE);
    }
}
