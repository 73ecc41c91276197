package io.ragreactor.actuators.execution;

import io.ragreactor.schemas.command.RecoveryCommand;

/**
 * Executes one action type. {@link #checkGuards} runs before any external call and rejects a command
 * that must not run; {@link #execute} then checks state before acting, so a re-delivered command
 * finds its own earlier side effects instead of repeating them.
 */
public interface ActionHandler<A> {

    /** The generated Avro class of the action this handler executes. */
    Class<A> actionType();

    void checkGuards(A action, RecoveryCommand command, Guards guards) throws GuardRejection;

    /**
     * Executes the action, or in a dry run records the calls it would make. Known failures return a
     * result or throw {@link StepFailure}; other runtime exceptions are mapped by the caller.
     */
    StepResult execute(A action, ExecutionContext context);
}
