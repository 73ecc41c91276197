package io.ragreactor.cli;

import io.ragreactor.schemas.control.IncidentActionKind;
import picocli.CommandLine.Command;

/** Closes an incident by an operator's decision, keeping the target's flap damping. */
@Command(name = "resolve", mixinStandardHelpOptions = true,
        description = "Close an open or escalated incident: write a RESOLVE action to rag.control under"
                + " incident/<INCIDENT_ID>. The target keeps its flap damping (cooldown), so a new incident soon"
                + " after goes to a person.")
final class ResolveCommand extends IncidentActionCommand {

    @Override
    IncidentActionKind kind() {
        return IncidentActionKind.RESOLVE;
    }

    @Override
    String done() {
        return "resolved";
    }
}
