package io.ragreactor.cli;

import io.ragreactor.schemas.control.IncidentActionKind;
import picocli.CommandLine.Command;

/** Closes an incident and hands its target back to automation. */
@Command(name = "handback", mixinStandardHelpOptions = true,
        description = "Close an open or escalated incident and hand its target back to automation: write a"
                + " HAND_BACK action to rag.control under incident/<INCIDENT_ID>. The target's flap damping is"
                + " cleared, so its next symptoms run the recovery ladder again.")
final class HandbackCommand extends IncidentActionCommand {

    @Override
    IncidentActionKind kind() {
        return IncidentActionKind.HAND_BACK;
    }

    @Override
    String done() {
        return "handed back";
    }
}
