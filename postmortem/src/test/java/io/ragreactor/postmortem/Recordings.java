package io.ragreactor.postmortem;

import io.ragreactor.postmortem.TopicRangeReader.RangeRecord;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Turns a recording into range records as the reader returns them, for tests that need no broker. */
final class Recordings {

    private Recordings() {
    }

    static List<RangeRecord<?, ?>> records(final ShardFiveRecording recording) {
        final List<RangeRecord<?, ?>> records = new ArrayList<>();
        long offset = 0;
        for (final HealthEvent event : recording.health) {
            if (ShardFiveRecording.RANGE.contains(event.getObservedAt().toEpochMilli())) {
                records.add(new RangeRecord<>("rag.health", 0, offset++, event.getObservedAt(), event.getTarget(), event));
            }
        }
        for (final RecoveryCommand command : recording.commands) {
            records.add(new RangeRecord<>("rag.recovery.commands", 0, offset++, command.getIssuedAt(),
                    command.getTarget(), command));
        }
        for (final RecoveryOutcome outcome : recording.outcomes) {
            records.add(new RangeRecord<>("rag.recovery.outcomes", 0, offset++, outcome.getFinishedAt(),
                    outcome.getTarget(), outcome));
        }
        for (final IncidentUpdate update : recording.updates) {
            records.add(new RangeRecord<>("rag.incidents", 0, offset++, update.getUpdatedAt(), update.getIncidentId(),
                    update));
        }
        records.sort(Comparator.comparing(RangeRecord::timestamp));
        return records;
    }
}
