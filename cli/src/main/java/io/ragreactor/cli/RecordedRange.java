package io.ragreactor.cli;

import io.ragreactor.postmortem.TopicRangeReader.RangeRecord;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.topics.Topics;
import io.ragreactor.shadow.Recording;
import io.ragreactor.shadow.TimedRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of a time range as a shadow replay takes them. Tombstones of the health and control topics
 * stay, because they remove a target or withdraw an instruction. Outcome and command tombstones mean nothing
 * to the replay, so they are dropped and counted.
 *
 * @param recording                 the health, control, outcome and command records, in the order read
 * @param droppedOutcomeTombstones  tombstones of the outcome topic left out
 * @param droppedCommandTombstones  tombstones of the command topic left out
 */
record RecordedRange(Recording recording, int droppedOutcomeTombstones, int droppedCommandTombstones) {

    /** Splits {@code records}, read from the health, control, outcome and command topics of {@code topics}. */
    static RecordedRange of(final List<RangeRecord<?, ?>> records, final Topics topics) {
        final List<TimedRecord<HealthEvent>> health = new ArrayList<>();
        final List<TimedRecord<ControlRecord>> control = new ArrayList<>();
        final List<TimedRecord<RecoveryOutcome>> outcomes = new ArrayList<>();
        final List<TimedRecord<RecoveryCommand>> commands = new ArrayList<>();
        int outcomeTombstones = 0;
        int commandTombstones = 0;
        for (final RangeRecord<?, ?> record : records) {
            final String topic = record.topic();
            final String key = (String) record.key();
            if (topic.equals(topics.health().name())) {
                health.add(TimedRecord.of(key, (HealthEvent) record.value(), record.timestamp()));
            } else if (topic.equals(topics.control().name())) {
                control.add(TimedRecord.of(key, (ControlRecord) record.value(), record.timestamp()));
            } else if (topic.equals(topics.outcomes().name())) {
                if (record.value() == null) {
                    outcomeTombstones++;
                } else {
                    outcomes.add(TimedRecord.of(key, (RecoveryOutcome) record.value(), record.timestamp()));
                }
            } else if (topic.equals(topics.commands().name())) {
                if (record.value() == null) {
                    commandTombstones++;
                } else {
                    commands.add(TimedRecord.of(key, (RecoveryCommand) record.value(), record.timestamp()));
                }
            } else {
                throw new IllegalArgumentException("record of topic " + topic + " at offset " + record.offset()
                        + " is not from the health, control, outcome or command topic");
            }
        }
        return new RecordedRange(new Recording(health, control, outcomes, commands), outcomeTombstones,
                commandTombstones);
    }

    /** Returns whether the range contains no record at all, dropped tombstones included. */
    boolean isEmpty() {
        return recording.end() == null && droppedOutcomeTombstones == 0 && droppedCommandTombstones == 0;
    }
}
