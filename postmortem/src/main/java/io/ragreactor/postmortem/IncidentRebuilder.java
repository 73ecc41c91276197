package io.ragreactor.postmortem;

import io.ragreactor.postmortem.IncidentTimeline.Closure;
import io.ragreactor.postmortem.IncidentTimeline.CommandRun;
import io.ragreactor.postmortem.IncidentTimeline.Durations;
import io.ragreactor.postmortem.IncidentTimeline.StateChange;
import io.ragreactor.postmortem.IncidentTimeline.Symptom;
import io.ragreactor.postmortem.TopicRangeReader.RangeRecord;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentSummary;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rebuilds one {@link IncidentTimeline} per incident from the records of a range: incident updates, commands,
 * outcomes and health events. Only incidents with at least one update in the range get a timeline; the
 * update with the latest change time is the incident's current state.
 */
public final class IncidentRebuilder {

    private IncidentRebuilder() {
    }

    /** Rebuilds the incidents of {@code records}, oldest detection first. Tombstones are skipped. */
    public static List<IncidentTimeline> rebuild(final List<RangeRecord<?, ?>> records) {
        final Map<String, List<IncidentUpdate>> updates = new LinkedHashMap<>();
        final Map<String, List<RecoveryCommand>> commands = new HashMap<>();
        final Map<String, RecoveryOutcome> outcomes = new HashMap<>();
        final Map<String, HealthEvent> events = new HashMap<>();
        for (final RangeRecord<?, ?> record : records) {
            final Object value = record.value();
            if (value instanceof IncidentUpdate update) {
                updates.computeIfAbsent(update.getIncidentId(), id -> new ArrayList<>()).add(update);
            } else if (value instanceof RecoveryCommand command) {
                commands.computeIfAbsent(command.getIncidentId(), id -> new ArrayList<>()).add(command);
            } else if (value instanceof RecoveryOutcome outcome) {
                // A second outcome for one command id would be a duplicate delivery; the first one counts.
                outcomes.putIfAbsent(outcome.getCommandId(), outcome);
            } else if (value instanceof HealthEvent event) {
                events.putIfAbsent(event.getEventId(), event);
            }
        }

        final List<IncidentTimeline> timelines = new ArrayList<>();
        for (final Map.Entry<String, List<IncidentUpdate>> entry : updates.entrySet()) {
            final List<IncidentUpdate> history = new ArrayList<>(entry.getValue());
            history.sort(Comparator.comparing(IncidentUpdate::getUpdatedAt));
            timelines.add(timeline(history, commands.getOrDefault(entry.getKey(), List.of()), outcomes, events));
        }
        timelines.sort(Comparator.comparing(IncidentTimeline::detectedAt).thenComparing(IncidentTimeline::incidentId));
        return timelines;
    }

    private static IncidentTimeline timeline(final List<IncidentUpdate> history, final List<RecoveryCommand> commands,
                                             final Map<String, RecoveryOutcome> outcomes,
                                             final Map<String, HealthEvent> events) {
        final IncidentUpdate latest = history.get(history.size() - 1);
        final List<CommandRun> runs = commandRuns(latest, commands, outcomes);

        // Symptoms: those that opened the incident, then the health events that caused its commands.
        final Set<String> symptomIds = new LinkedHashSet<>(latest.getSymptomEventIds());
        for (final RecoveryCommand command : commands) {
            command.getCauseEventIds().stream().filter(id -> !id.contains(":")).forEach(symptomIds::add);
        }
        final List<Symptom> symptoms = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        for (final String id : symptomIds) {
            final HealthEvent event = events.get(id);
            if (event == null) {
                missing.add(id);
            } else {
                symptoms.add(new Symptom(id, event.getObservedAt(), event.getSource(), SymptomText.describe(event)));
            }
        }
        symptoms.sort(Comparator.comparing(Symptom::observedAt).thenComparing(Symptom::eventId));

        final List<StateChange> changes = history.stream()
                .map(update -> new StateChange(update.getUpdatedAt(), update.getState(), update.getChange()))
                .toList();
        final IncidentSummary summary = latest.getSummary();
        final Optional<Closure> closure = Optional.ofNullable(summary).map(s -> new Closure(latest.getState(),
                s.getClosedBy(), s.getClosedAt(), latest.getChange()));
        final List<Evidence> evidence = summary != null ? List.copyOf(summary.getEvidence()) : outcomeEvidence(runs);

        return new IncidentTimeline(latest.getIncidentId(), latest.getTarget(), latest.getScenario(), latest.getState(),
                latest.getFirstSymptomAt(), latest.getDetectedAt(), latest.getUpdatedAt(), List.copyOf(symptoms),
                List.copyOf(missing), runs, changes, evidence, closure, durations(latest));
    }

    /**
     * Lists the commands in the order the latest update's step records name them, then any command of the
     * incident that no step record names (a later update may be outside the range), by issue time.
     */
    private static List<CommandRun> commandRuns(final IncidentUpdate latest, final List<RecoveryCommand> commands,
                                                final Map<String, RecoveryOutcome> outcomes) {
        final Map<String, RecoveryCommand> byId = new LinkedHashMap<>();
        commands.stream().sorted(Comparator.comparing(RecoveryCommand::getIssuedAt))
                .forEach(command -> byId.putIfAbsent(command.getCommandId(), command));
        final List<CommandRun> runs = new ArrayList<>();
        for (final StepRecord step : latest.getSteps()) {
            runs.add(run(step, byId.remove(step.getCommandId()), outcomes.get(step.getCommandId())));
        }
        for (final RecoveryCommand command : byId.values()) {
            runs.add(run(null, command, outcomes.get(command.getCommandId())));
        }
        runs.sort(Comparator.comparing(CommandRun::issuedAt));
        return List.copyOf(runs);
    }

    /** Joins what is known of one command; at least one of {@code step} and {@code command} is not null. */
    private static CommandRun run(final StepRecord step, final RecoveryCommand command, final RecoveryOutcome outcome) {
        final String commandId = command != null ? command.getCommandId() : step.getCommandId();
        final String stepName = command != null ? command.getStep() : step.getStep();
        final int attempt = command != null ? command.getAttempt() : step.getAttempt();
        final Instant issuedAt = command != null ? command.getIssuedAt() : step.getIssuedAt();
        final Optional<Instant> deadline = Optional.ofNullable(command).map(RecoveryCommand::getDeadline);
        final String action = command == null ? "" : command.getAction().getClass().getSimpleName();
        if (outcome != null) {
            return new CommandRun(commandId, stepName, attempt, issuedAt, deadline, action,
                    Optional.of(outcome.getStatus().name()), Optional.of(outcome.getReason()),
                    Optional.of(outcome.getStartedAt()), Optional.of(outcome.getFinishedAt()), outcome.getDetail(),
                    List.copyOf(outcome.getEvidence()), outcome.getActuator());
        }
        // Without an outcome the step record may still know the status, for example a timeout.
        final Optional<String> status = Optional.ofNullable(step).map(StepRecord::getStatus);
        final Optional<Instant> finishedAt = Optional.ofNullable(step).map(StepRecord::getFinishedAt);
        final String detail = step == null || step.getDetail() == null ? "" : step.getDetail();
        return new CommandRun(commandId, stepName, attempt, issuedAt, deadline, action, status, Optional.empty(),
                Optional.empty(), finishedAt, detail, List.of(), "");
    }

    private static List<Evidence> outcomeEvidence(final List<CommandRun> runs) {
        final Set<Evidence> evidence = new LinkedHashSet<>();
        runs.forEach(run -> evidence.addAll(run.evidence()));
        return List.copyOf(evidence);
    }

    private static Durations durations(final IncidentUpdate latest) {
        final Duration toDetect = Duration.between(latest.getFirstSymptomAt(), latest.getDetectedAt());
        final IncidentSummary summary = latest.getSummary();
        if (summary == null) {
            // NOTE: time to mitigate and to recover of an incident still open need the ladder's safe-mode and
            // restoring steps, which only the reactor's ladders define. They stay empty until an update carries them.
            return new Durations(toDetect, Optional.empty(), Optional.empty(), 0, false);
        }
        return new Durations(Duration.ofMillis(summary.getTimeToDetectMs()),
                Optional.ofNullable(summary.getTimeToMitigateMs()).map(Duration::ofMillis),
                Optional.ofNullable(summary.getTimeToRecoverMs()).map(Duration::ofMillis),
                summary.getFoldedSymptoms(), true);
    }
}
