package io.ragreactor.cli;

import io.ragreactor.reactor.control.ControlView;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.IncidentAction;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.topics.Topics;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Writes an operator's action on one incident to the control topic under {@code incident/<id>}, after looking
 * the incident up on rag.incidents for its target. The reactor applies it at its next punctuation.
 */
abstract class IncidentActionCommand implements Callable<Integer> {

    @Mixin
    private ConnectionOptions connection;

    @Mixin
    private OperatorOptions operator;

    @Parameters(index = "0", paramLabel = "INCIDENT_ID",
            description = "Id of the incident, as `rag-reactor incidents` lists it, for example inc-3f9a0c1d2e4b5a6c.")
    private String incidentId;

    @Spec
    private CommandSpec spec;

    /** The action this command writes. */
    abstract IncidentActionKind kind();

    /** The action as a verb phrase for messages, for example {@code resolved}. */
    abstract String done();

    @Override
    public Integer call() {
        final ClusterSettings settings = connection.settings();
        final String createdBy = operator.createdBy();
        final String reason = operator.reason();
        final Topics topics = settings.topics();
        final PrintWriter out = spec.commandLine().getOut();

        final Map<String, IncidentUpdate> incidents = TopicReader.readLatest(settings, topics.incidents(),
                spec.commandLine().getErr());
        final IncidentUpdate incident = incidents.get(incidentId);
        if (incident == null) {
            throw new CommandFailedException("incident '" + incidentId + "' not found on " + topics.incidents().name()
                    + "; `rag-reactor incidents` lists the open and recently closed incidents");
        }
        if (!IncidentsCommand.isOpen(incident)) {
            throw new CommandFailedException("incident " + incidentId + " of " + incident.getTarget() + " is already "
                    + incident.getState() + ", so there is nothing to do; only an open or escalated incident can be "
                    + done());
        }

        final String key = ControlView.INCIDENT_PREFIX + incidentId;
        final ControlRecord record = new ControlRecord(createdBy, Instant.now(), reason,
                new IncidentAction(incidentId, incident.getTarget(), kind()));
        final RecordMetadata written = ControlWriter.write(settings, topics.control(), key, record);
        out.println("Wrote " + key + " (" + kind() + " of " + incident.getTarget() + " by " + createdBy + ") to "
                + ControlWriter.position(written) + ". The reactor closes the incident at its next punctuation"
                + " (every second by default);"
                + " `rag-reactor tail` shows the update.");
        out.flush();
        return CommandLine.ExitCode.OK;
    }
}
