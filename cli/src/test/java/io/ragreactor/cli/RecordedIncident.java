package io.ragreactor.cli;

import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReintroduceShard;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.RetrievedDocument;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentSummary;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One shard-down incident as the reactor and the actuators write it to the topics: three empty golden query
 * results open it, mark-unhealthy succeeds, reopen fails, reintroduce succeeds and the incident recovers. Each
 * step takes five seconds and the next one starts when it ends.
 */
final class RecordedIncident {

    /** The steps in order, with the status of each outcome. */
    static final List<String> STEPS = List.of("mark-unhealthy", "reopen", "reintroduce");
    static final List<OutcomeStatus> STATUSES = List.of(OutcomeStatus.SUCCEEDED, OutcomeStatus.FAILED,
            OutcomeStatus.SUCCEEDED);

    private static final String NAMESPACE = "rag-prod";
    private static final String REGISTRY = "rag-shard-registry";
    private static final Duration STEP_TIME = Duration.ofSeconds(5);

    final String incidentId;
    final String target;
    final Instant detectedAt;
    final Instant closedAt;
    final List<HealthEvent> health = new ArrayList<>();
    final List<RecoveryCommand> commands = new ArrayList<>();
    final List<RecoveryOutcome> outcomes = new ArrayList<>();
    final List<IncidentUpdate> updates = new ArrayList<>();

    private final String shard;
    private final Instant firstSymptomAt;
    private final List<StepRecord> steps = new ArrayList<>();

    /** Records incident {@code incidentId} of {@code shard}, whose first symptom is at {@code firstSymptomAt}. */
    RecordedIncident(final String incidentId, final String shard, final Instant firstSymptomAt) {
        this.incidentId = incidentId;
        this.shard = shard;
        this.target = NAMESPACE + "/vectorstore/" + shard;
        this.firstSymptomAt = firstSymptomAt;
        for (int i = 0; i < 3; i++) {
            health.add(HealthEvent.newBuilder()
                    .setEventId(incidentId + "-symptom-" + i)
                    .setObservedAt(firstSymptomAt.plusSeconds(20L * i))
                    .setTarget(target)
                    .setSource("golden-query-prober")
                    .setPayload(new GoldenQueryResult("gq-00" + i, List.<RetrievedDocument>of(), 12L))
                    .build());
        }
        this.detectedAt = firstSymptomAt.plusSeconds(40);
        update(detectedAt, IncidentState.OPEN, "opened: 3 symptoms within 5m", null);

        Instant at = detectedAt;
        for (int i = 0; i < STEPS.size(); i++) {
            at = runStep(STEPS.get(i), at, STATUSES.get(i));
        }
        this.closedAt = at;
        update(closedAt, IncidentState.RECOVERED, "recovered: " + shard + " reintroduced", IncidentSummary.newBuilder()
                .setClosedBy("reactor")
                .setClosedAt(closedAt)
                .setTimeToDetectMs(Duration.between(firstSymptomAt, detectedAt).toMillis())
                .setTimeToMitigateMs(Duration.between(firstSymptomAt, detectedAt.plus(STEP_TIME)).toMillis())
                .setTimeToRecoverMs(Duration.between(firstSymptomAt, closedAt).toMillis())
                .setFoldedSymptoms(0)
                .setEvidence(List.of())
                .build());
    }

    static String commandId(final String incidentId, final String step) {
        return incidentId + "-" + step + "-1";
    }

    /** Writes every record to its topic with the time the reactor or the actuator would give it. */
    void sendTo(final CliCluster cluster) {
        final Topics topics = cluster.topics();
        for (final HealthEvent event : health) {
            cluster.send(topics.health().name(), topics.health().valueSerde().serializer(), target, event,
                    event.getObservedAt().toEpochMilli());
        }
        for (final RecoveryCommand command : commands) {
            cluster.send(topics.commands().name(), topics.commands().valueSerde().serializer(), target, command,
                    command.getIssuedAt().toEpochMilli());
        }
        for (final RecoveryOutcome outcome : outcomes) {
            cluster.send(topics.outcomes().name(), topics.outcomes().valueSerde().serializer(), target, outcome,
                    outcome.getFinishedAt().toEpochMilli());
        }
        for (final IncidentUpdate update : updates) {
            cluster.send(topics.incidents().name(), topics.incidents().valueSerde().serializer(), incidentId, update,
                    update.getUpdatedAt().toEpochMilli());
        }
    }

    /** Issues {@code step} at {@code issuedAt}, records its outcome, and returns when it finished. */
    private Instant runStep(final String step, final Instant issuedAt, final OutcomeStatus status) {
        final String commandId = commandId(incidentId, step);
        commands.add(RecoveryCommand.newBuilder()
                .setCommandId(commandId)
                .setIncidentId(incidentId)
                .setStep(step)
                .setAttempt(1)
                .setTarget(target)
                .setIssuedAt(issuedAt)
                .setDeadline(issuedAt.plus(Duration.ofMinutes(1)))
                .setRunbookVersion("test-runbook")
                .setCauseEventIds(List.of(incidentId + "-symptom-2"))
                .setAction(action(step))
                .build());
        steps.add(new StepRecord(step, 1, commandId, issuedAt, null, null, null));
        update(issuedAt, IncidentState.OPEN, "issued " + step + " attempt 1", null);

        final Instant finishedAt = issuedAt.plus(STEP_TIME);
        final String detail = step + (status == OutcomeStatus.SUCCEEDED ? " done on " : " failed on ") + shard;
        outcomes.add(RecoveryOutcome.newBuilder()
                .setCommandId(commandId)
                .setIncidentId(incidentId)
                .setTarget(target)
                .setStep(step)
                .setAttempt(1)
                .setStatus(status)
                .setReason(status == OutcomeStatus.SUCCEEDED ? "ok" : "non-zero-exit")
                .setStartedAt(issuedAt.plusMillis(100))
                .setFinishedAt(finishedAt)
                .setDetail(detail)
                .setCalls(List.of())
                .setEvidence(List.of())
                .setActuator("actuator-test")
                .build());
        final StepRecord record = steps.get(steps.size() - 1);
        record.setStatus(status.name());
        record.setFinishedAt(finishedAt);
        record.setDetail(detail);
        update(finishedAt, IncidentState.OPEN, step + " attempt 1 " + status.name().toLowerCase(Locale.ROOT), null);
        return finishedAt;
    }

    private Object action(final String step) {
        return switch (step) {
            case "mark-unhealthy" -> new MarkShardUnhealthy(NAMESPACE, REGISTRY, shard);
            case "reopen" -> new ReopenIndex(NAMESPACE, Map.of("app", "vectorstore", "shard", shard), "vectorstore",
                    List.of("ctl", "index", "reopen", shard), 48_000L, 4096);
            case "reintroduce" -> new ReintroduceShard(NAMESPACE, REGISTRY, shard);
            default -> throw new IllegalArgumentException("no action for step " + step);
        };
    }

    private void update(final Instant at, final IncidentState state, final String change,
                        final IncidentSummary summary) {
        final List<StepRecord> copy = new ArrayList<>();
        steps.forEach(step -> copy.add(StepRecord.newBuilder(step).build()));
        final StepRecord last = copy.isEmpty() ? null : copy.get(copy.size() - 1);
        updates.add(IncidentUpdate.newBuilder()
                .setIncidentId(incidentId)
                .setTarget(target)
                .setScenario(Scenario.SHARD_DOWN)
                .setState(state)
                .setStep(last == null ? "" : last.getStep())
                .setAttempt(last == null ? 0 : last.getAttempt())
                .setFirstSymptomAt(firstSymptomAt)
                .setDetectedAt(detectedAt)
                .setUpdatedAt(at)
                .setChange(change)
                .setSymptomEventIds(health.stream().map(HealthEvent::getEventId).toList())
                .setSteps(copy)
                .setInputTopic("rag.health")
                .setInputPartition(0)
                .setInputOffset(updates.size())
                .setSummary(summary)
                .build());
    }
}
