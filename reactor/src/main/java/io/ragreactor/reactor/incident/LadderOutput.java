package io.ragreactor.reactor.incident;

import io.ragreactor.schemas.budget.BudgetMessage;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentUpdate;

/** A ladder's output: a command to issue, a change of an incident's state, or a message to the budget. */
public sealed interface LadderOutput {

    record CommandIssued(RecoveryCommand command) implements LadderOutput {
    }

    record IncidentChanged(IncidentUpdate update) implements LadderOutput {
    }

    /** A request or release for the blast-radius budget, under the budget's key. */
    record BudgetSent(BudgetMessage message) implements LadderOutput {
    }
}
