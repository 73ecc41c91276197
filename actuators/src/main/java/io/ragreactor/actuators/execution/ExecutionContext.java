package io.ragreactor.actuators.execution;

import io.ragreactor.schemas.command.RecoveryCommand;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one command's execution that handlers share: the command, whether it is a dry run, the record
 * of external calls that ends up in the outcome, the clock, and the poll interval for waits.
 */
public final class ExecutionContext {

    private final RecoveryCommand command;
    private final Clock clock;
    private final Duration pollInterval;
    private final SideEffectHook sideEffectHook;
    private final Instant startedAt;
    private final List<String> calls = new ArrayList<>();

    public ExecutionContext(final RecoveryCommand command, final Clock clock, final Duration pollInterval,
                            final SideEffectHook sideEffectHook) {
        this.command = command;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.sideEffectHook = sideEffectHook;
        this.startedAt = clock.instant();
    }

    public RecoveryCommand command() {
        return command;
    }

    public String commandId() {
        return command.getCommandId();
    }

    public boolean dryRun() {
        return command.getDryRun();
    }

    public Clock clock() {
        return clock;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    /** Records a read or a call that changes nothing, one line such as {@code GET configmaps/rag-prod/rag-shard-registry}. */
    public void recordCall(final String call) {
        calls.add(call);
    }

    /**
     * Records a call that changes something. Call it after the call succeeded; in a dry run the handler
     * records the call without making it, and the hook is not called.
     */
    public void recordSideEffect(final String call) {
        calls.add(call);
        if (!dryRun()) {
            sideEffectHook.afterSideEffect(command, call);
        }
    }

    public List<String> calls() {
        return List.copyOf(calls);
    }

    /** Returns a deadline {@code timeout} after now. */
    public Deadline deadlineAfter(final Duration timeout) {
        return new Deadline(clock, clock.instant().plus(timeout));
    }

    /** Returns the fixed log context of this command: incident, command and target. */
    @Override
    public String toString() {
        return "incident=[" + command.getIncidentId() + "] command=[" + command.getCommandId() + "] target=["
                + command.getTarget() + "]";
    }
}
