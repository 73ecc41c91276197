package io.ragreactor.postmortem;

import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.Scenario;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The facts of one incident rebuilt from the topics, in the order they happened: what a postmortem needs
 * before a human adds the root cause and the lessons.
 *
 * @param symptoms          the health events named as symptoms or causes that were in the range, oldest first
 * @param missingSymptomIds ids of named symptoms whose health events were not in the range
 * @param commands          one entry per command id, in the order the commands were issued
 * @param stateChanges      every incident update in the range, oldest first
 * @param evidence          the incident summary's evidence when it closed, otherwise all outcomes' evidence
 * @param closure           who or what closed the incident; empty while it is open or escalated
 */
public record IncidentTimeline(
        String incidentId,
        String target,
        Scenario scenario,
        IncidentState state,
        Instant firstSymptomAt,
        Instant detectedAt,
        Instant lastUpdateAt,
        List<Symptom> symptoms,
        List<String> missingSymptomIds,
        List<CommandRun> commands,
        List<StateChange> stateChanges,
        List<Evidence> evidence,
        Optional<Closure> closure,
        Durations durations) {

    /** Step name of an escalation to a human. */
    public static final String ESCALATE_STEP = "escalate";

    /** One observation that opened the incident or caused one of its commands. */
    public record Symptom(String eventId, Instant observedAt, String source, String description) {
    }

    /**
     * One command and, when it arrived, its outcome. {@code action} is the action's record name, empty when
     * the command itself was not in the range and only the incident's step record named it.
     */
    public record CommandRun(
            String commandId,
            String step,
            int attempt,
            Instant issuedAt,
            Optional<Instant> deadline,
            String action,
            Optional<String> status,
            Optional<String> reason,
            Optional<Instant> startedAt,
            Optional<Instant> finishedAt,
            String detail,
            List<Evidence> evidence,
            String actuator) {

        /** Returns the time from the command's issue to its outcome or timeout, when it has ended. */
        public Optional<Duration> duration() {
            return finishedAt.map(finished -> Duration.between(issuedAt, finished));
        }

        /** Returns whether this command handed the incident to a human. */
        public boolean isEscalation() {
            return step.equals(ESCALATE_STEP);
        }
    }

    /** One incident update: the state after it and the reactor's sentence on what changed. */
    public record StateChange(Instant at, IncidentState state, String change) {
    }

    /** The end of the incident as its closing update states it. */
    public record Closure(IncidentState state, String closedBy, Instant closedAt, String change) {
    }

    /**
     * The durations operators report, measured from the first symptom. {@code fromSummary} is true when
     * the reactor's summary of the closed incident supplied them; otherwise only time to detect is known.
     */
    public record Durations(Duration timeToDetect, Optional<Duration> timeToMitigate,
                            Optional<Duration> timeToRecover, long foldedSymptoms, boolean fromSummary) {
    }

    /** Returns the earliest time the timeline shows: the first symptom, or an earlier observation or command. */
    public Instant start() {
        Instant start = firstSymptomAt;
        for (final Symptom symptom : symptoms) {
            start = symptom.observedAt().isBefore(start) ? symptom.observedAt() : start;
        }
        for (final CommandRun command : commands) {
            start = command.issuedAt().isBefore(start) ? command.issuedAt() : start;
        }
        return start;
    }

    /** Returns the latest time the timeline shows: the closure, or the last update, outcome or observation. */
    public Instant end() {
        Instant end = closure.map(Closure::closedAt).orElse(lastUpdateAt);
        end = end.isBefore(lastUpdateAt) ? lastUpdateAt : end;
        for (final CommandRun command : commands) {
            final Instant finished = command.finishedAt().orElse(command.issuedAt());
            end = finished.isAfter(end) ? finished : end;
        }
        for (final Symptom symptom : symptoms) {
            end = symptom.observedAt().isAfter(end) ? symptom.observedAt() : end;
        }
        return end;
    }
}
