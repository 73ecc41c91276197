package io.ragreactor.reactor.incident;

import io.ragreactor.schemas.incident.IncidentSummary;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.target.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds the incident updates for rag.incidents, each naming the input record that caused it. */
final class IncidentRecords {

    /** Input topic named by changes that a timer caused rather than a record. */
    static final String CLOCK_INPUT = "reactor-clock";

    private final ProcessorContext<String, LadderOutput> context;

    IncidentRecords(final ProcessorContext<String, LadderOutput> context) {
        this.context = context;
    }

    void emitUpdate(final Target target, final ActiveIncident incident, final Instant at, final String change) {
        emit(target, incident, at, change, null);
    }

    /** Emits the update that closes the incident, with its summary for the postmortem. */
    void emitClosing(final Target target, final ActiveIncident incident, final Instant at, final String change,
                     final String closedBy) {
        final Instant first = incident.getFirstSymptomAt();
        final IncidentSummary summary = IncidentSummary.newBuilder()
                .setClosedBy(closedBy)
                .setClosedAt(at)
                .setTimeToDetectMs(incident.getDetectedAt().toEpochMilli() - first.toEpochMilli())
                .setTimeToMitigateMs(incident.getMitigatedAt() == null ? null
                        : incident.getMitigatedAt().toEpochMilli() - first.toEpochMilli())
                .setTimeToRecoverMs(incident.getServiceRestoredAt() == null ? null
                        : incident.getServiceRestoredAt().toEpochMilli() - first.toEpochMilli())
                .setFoldedSymptoms(incident.getFoldedSymptoms())
                .setEvidence(new ArrayList<>(incident.getEvidence()))
                .build();
        emit(target, incident, at, change, summary);
    }

    private void emit(final Target target, final ActiveIncident incident, final Instant at, final String change,
                      final IncidentSummary summary) {
        final Optional<RecordMetadata> input = context.recordMetadata();
        final IncidentUpdate update = IncidentUpdate.newBuilder()
                .setIncidentId(incident.getIncidentId())
                .setTarget(target.toString())
                .setScenario(incident.getScenario())
                .setState(incident.getState())
                .setStep(incident.getStep())
                .setAttempt(incident.getAttempt())
                .setFirstSymptomAt(incident.getFirstSymptomAt())
                .setDetectedAt(incident.getDetectedAt())
                .setUpdatedAt(at)
                .setChange(change)
                .setSymptomEventIds(new ArrayList<>(incident.getSymptomEventIds()))
                .setSteps(copySteps(incident.getSteps()))
                .setInputTopic(input.map(RecordMetadata::topic).orElse(CLOCK_INPUT))
                .setInputPartition(input.map(RecordMetadata::partition).orElse(-1))
                .setInputOffset(input.map(RecordMetadata::offset).orElse(-1L))
                .setSummary(summary)
                .build();
        context.forward(new Record<>(target.toString(), new LadderOutput.IncidentChanged(update), at.toEpochMilli()));
    }

    private static List<StepRecord> copySteps(final List<StepRecord> steps) {
        final List<StepRecord> copy = new ArrayList<>(steps.size());
        for (final StepRecord step : steps) {
            copy.add(StepRecord.newBuilder(step).build());
        }
        return copy;
    }
}
