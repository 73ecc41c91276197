package io.ragreactor.actuators.execution;

import io.ragreactor.schemas.command.RecoveryCommand;

/** Callback run right after each call that changed something outside the actuator; tests use it to stop an instance there. */
@FunctionalInterface
public interface SideEffectHook {

    /** A hook that does nothing. */
    SideEffectHook NONE = (command, call) -> {
    };

    void afterSideEffect(RecoveryCommand command, String call);
}
