package io.ragreactor.reactor.incident;

import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentUpdate;

/** What a ladder decides: a command to issue, or a change of an incident's state. */
public sealed interface LadderOutput {

    record CommandIssued(RecoveryCommand command) implements LadderOutput {
    }

    record IncidentChanged(IncidentUpdate update) implements LadderOutput {
    }
}
