package io.ragreactor.actuators.escalate;

import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records an escalation to a human: logs the summary and the evidence at WARN with the incident, command and
 * target, and reports the escalation as recorded.
 */
public final class EscalationHandler implements ActionHandler<Escalate> {

    private static final Logger LOG = LoggerFactory.getLogger(EscalationHandler.class);

    @Override
    public Class<Escalate> actionType() {
        return Escalate.class;
    }

    @Override
    public void checkGuards(final Escalate action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.parameter(action.getSummary() != null && !action.getSummary().isBlank(), "summary",
                action.getSummary(), "must not be empty");
    }

    @Override
    public StepResult execute(final Escalate action, final ExecutionContext context) {
        final String evidence = action.getEvidence().stream()
                .map(e -> e.getKind() + " from " + e.getSource() + ": " + e.getText())
                .collect(Collectors.joining(" | "));
        final Evidence record = Evidences.of("escalation", "channel " + action.getChannel(), "severity "
                + action.getSeverity() + ": " + action.getSummary());
        if (context.dryRun()) {
            context.recordCall("NOTIFY channel " + action.getChannel());
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would escalate to channel " + action.getChannel(),
                    List.of(record));
        }
        // TODO(#4): deliver to the named channel (pager, ticket, chat) from the actuators' configuration; until
        // then the WARN log line is the only record a human reads.
        LOG.warn("Escalation to a human: channel=[{}] severity=[{}] summary=[{}] evidence=[{}] {}", action.getChannel(),
                action.getSeverity(), action.getSummary(), evidence, context);
        context.recordCall("LOG escalation at WARN (channel " + action.getChannel() + " not connected)");
        return StepResult.of(OutcomeReason.ESCALATION_RECORDED, "escalation logged for channel " + action.getChannel()
                + ": " + action.getSummary(), List.of(record));
    }
}
