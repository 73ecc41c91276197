package io.ragreactor.shadow;

import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Recorded history of one reactor deployment, as read from its topics: the inputs (health events,
 * operators' control records and actuators' outcomes) and the commands the reactor issued at the time.
 * Each list keeps the order the records had on their topic.
 *
 * @param health records of the health topic, keyed by target
 * @param control records of the control topic, keyed by instruction
 * @param outcomes records of the outcome topic, keyed by target
 * @param commands records of the command topic, keyed by target, which the shadow's commands are compared with
 */
public record Recording(List<TimedRecord<HealthEvent>> health, List<TimedRecord<ControlRecord>> control,
                        List<TimedRecord<RecoveryOutcome>> outcomes, List<TimedRecord<RecoveryCommand>> commands) {

    public Recording {
        health = copy(health, "health");
        control = copy(control, "control");
        outcomes = copyWithValues(outcomes, "outcomes");
        commands = copyWithValues(commands, "commands");
    }

    /**
     * Returns the latest record timestamp of all four lists: the end of the recorded range, where a
     * replay stops its clock. Empty lists give null.
     */
    public Instant end() {
        return Stream.of(health, control, outcomes, commands)
                .flatMap(List::stream)
                .map(TimedRecord::timestamp)
                .max(Instant::compareTo)
                .orElse(null);
    }

    /** Returns the recorded commands' values, in their topic's order. */
    public List<RecoveryCommand> commandValues() {
        return commands.stream().map(TimedRecord::value).toList();
    }

    private static <V> List<TimedRecord<V>> copy(final List<TimedRecord<V>> records, final String name) {
        Objects.requireNonNull(records, name);
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i) == null) {
                throw new IllegalArgumentException("record " + i + " of the " + name + " list is null");
            }
        }
        return List.copyOf(records);
    }

    /** Copies a list whose records need a value: an outcome or a command tombstone has no meaning. */
    private static <V> List<TimedRecord<V>> copyWithValues(final List<TimedRecord<V>> records, final String name) {
        final List<TimedRecord<V>> copied = copy(records, name);
        for (int i = 0; i < copied.size(); i++) {
            if (copied.get(i).value() == null) {
                throw new IllegalArgumentException("record " + i + " of the " + name + " list (key "
                        + copied.get(i).key() + ") has no value; drop tombstones before the replay");
            }
        }
        return copied;
    }
}
