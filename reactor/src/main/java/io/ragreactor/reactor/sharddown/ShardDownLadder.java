package io.ragreactor.reactor.sharddown;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.reactor.incident.IncidentIds;
import io.ragreactor.reactor.incident.LadderOutput;
import io.ragreactor.reactor.ingest.ReactorInput;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.SymptomMark;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario A, vectorstore shard down or index corrupt: detection and recovery ladder for each shard.
 *
 * <p>An incident opens when one shard shows the configured number of symptoms within the window (event
 * time). Its ladder is mark unhealthy, reopen, restore (only when the reopen failed), validate with golden
 * queries pinned to the shard, reintroduce. Each step is issued when the previous step's outcome
 * arrives, and a step without an outcome by its deadline times out. A failed step is retried while it
 * has attempts left. After that, a failed reopen leads to the restore, and every other failure ends in
 * an escalation. While the shard's document count is intact (within the runbook's tolerance of its last
 * healthy count), a failed reopen escalates instead of restoring. Symptoms that follow an open incident
 * fold into it, so each step is issued once however many symptoms follow. After a recovery the shard is in cooldown: the runbook's policies allow a few more incidents to run
 * their ladder within it, and the next one goes straight to an escalation.
 */
public final class ShardDownLadder implements Processor<String, ReactorInput, String, LadderOutput> {

    /** The state store of this ladder, one {@link TargetState} per shard target. */
    public static final String STORE = "shard-down-state";

    private static final Logger LOG = LoggerFactory.getLogger(ShardDownLadder.class);
    private static final int MAX_EVIDENCE = 32;
    private static final int MAX_EVIDENCE_TEXT = 2000;
    private static final String CLOCK_INPUT = "reactor-clock";

    private final Runbook runbook;
    private final ShardDownSettings settings;
    private final ShardDownCommands commands;
    private final ShardDownSymptoms symptoms;
    private final ReactorClock clock;
    private final Duration punctuationInterval;
    private final boolean dryRun;
    private ProcessorContext<String, LadderOutput> context;
    private KeyValueStore<String, TargetState> store;

    public ShardDownLadder(final Runbook runbook, final ReactorClock clock, final Duration punctuationInterval,
                           final boolean dryRun) {
        this.runbook = runbook;
        this.settings = runbook.shardDown();
        this.commands = new ShardDownCommands(runbook);
        this.symptoms = new ShardDownSymptoms(settings.steps().validate().goldenSet(),
                settings.detection().documentCountTolerance());
        this.clock = clock;
        this.punctuationInterval = punctuationInterval;
        this.dryRun = dryRun;
    }

    @Override
    public void init(final ProcessorContext<String, LadderOutput> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        // Deadlines must fire when no record arrives at all, so a timer drives them, not the next input.
        context.schedule(punctuationInterval, clock.punctuationType(), this::expireDeadlines);
    }

    @Override
    public void process(final Record<String, ReactorInput> record) {
        final Optional<Target> target = Target.parse(record.key());
        if (target.isEmpty() || !target.get().component().equals(settings.component())) {
            return;
        }
        final ReactorInput input = record.value();
        final TargetState state = store.get(record.key());
        if (input instanceof ReactorInput.Removal removal) {
            remove(record.key(), state, removal.eventTime());
            return;
        }
        final TargetState current = state != null ? state
                : TargetState.newBuilder().setTarget(record.key()).setSymptoms(new ArrayList<>()).build();

        // An input later than the pending deadline proves the deadline passed first, whatever the timer did.
        timeOutIfDue(target.get(), current, input.eventTime());
        if (input instanceof ReactorInput.Observation observation) {
            observe(target.get(), current, observation.event());
        } else if (input instanceof ReactorInput.Outcome outcome) {
            applyOutcome(target.get(), current, outcome.outcome());
        }
        store.put(record.key(), current);
    }

    // ---- detection ----

    private void observe(final Target target, final TargetState state, final HealthEvent event) {
        final Optional<String> symptom = symptoms.describe(event, state.getHealthyDocumentCount());
        final ActiveIncident incident = state.getIncident();
        if (event.getPayload() instanceof ShardStatus status) {
            state.setLatestDocumentCount(status.getDocumentCount());
            // Only a report from a healthy shard outside any incident sets the baseline of an intact index.
            if (symptom.isEmpty() && incident == null && status.getReportedHealth() == ShardHealth.HEALTHY) {
                state.setHealthyDocumentCount(status.getDocumentCount());
            }
        }
        if (symptom.isEmpty()) {
            return;
        }
        if (incident != null) {
            incident.setFoldedSymptoms(incident.getFoldedSymptoms() + 1);
            LOG.debug("Folding symptom into incident=[{}] target=[{}] event=[{}]", incident.getIncidentId(), target,
                    event.getEventId());
            return;
        }

        final ShardDownSettings.Detection detection = settings.detection();
        // A mutable copy: lists decoded from the store do not all support removal.
        final List<SymptomMark> marks = new ArrayList<>(state.getSymptoms());
        state.setSymptoms(marks);
        marks.add(new SymptomMark(event.getEventId(), event.getObservedAt()));
        marks.sort(Comparator.comparing(SymptomMark::getObservedAt));
        final Instant newest = marks.get(marks.size() - 1).getObservedAt();
        marks.removeIf(mark -> mark.getObservedAt().isBefore(newest.minus(detection.window())));
        while (marks.size() > detection.threshold()) {
            marks.remove(0);
        }
        if (marks.size() >= detection.threshold()) {
            open(target, state, event, symptom.get());
        }
    }

    private void open(final Target target, final TargetState state, final HealthEvent crossing, final String symptom) {
        final List<SymptomMark> marks = state.getSymptoms();
        final Instant firstSymptomAt = marks.get(0).getObservedAt();
        final String incidentId = IncidentIds.incidentId(target.toString(), firstSymptomAt.toEpochMilli());
        final List<String> symptomIds = marks.stream().map(SymptomMark::getEventId).toList();
        final ActiveIncident incident = ActiveIncident.newBuilder()
                .setIncidentId(incidentId)
                .setScenario(Scenario.SHARD_DOWN)
                .setState(IncidentState.OPEN)
                .setFirstSymptomAt(firstSymptomAt)
                .setDetectedAt(crossing.getObservedAt())
                .setSymptomEventIds(new ArrayList<>(symptomIds))
                .setStep(ShardDownStep.MARK_UNHEALTHY.stepName())
                .setAttempt(0)
                .setCommandId("")
                .setIssuedAt(crossing.getObservedAt())
                .setDeadline(crossing.getObservedAt())
                .setAwaitingOutcome(false)
                .setSteps(new ArrayList<>())
                .setEvidence(new ArrayList<>())
                .build();
        state.setIncident(incident);
        state.setSymptoms(new ArrayList<>());
        final String window = readable(settings.detection().window());
        LOG.info("Opening incident=[{}] target=[{}]: {} symptoms within {}, last: {}", incidentId, target,
                symptomIds.size(), window, symptom);
        emitUpdate(target, incident, crossing.getObservedAt(), "opened: " + symptomIds.size() + " symptoms within "
                + window + ", last: " + symptom);

        // A target that keeps failing soon after each recovery needs a human, not another restart loop.
        final Runbook.Policies policies = runbook.policies();
        final Instant lastRecovered = state.getLastRecoveredAt();
        final boolean inCooldown = lastRecovered != null
                && crossing.getObservedAt().isBefore(lastRecovered.plus(policies.cooldown()));
        if (!inCooldown) {
            state.setRepeatsInCooldown(0);
        } else if (state.getRepeatsInCooldown() >= policies.repeatsInCooldown()) {
            giveUp(target, incident, ShardDownStep.MARK_UNHEALTHY, crossing.getObservedAt(), symptomIds,
                    "flapping: symptoms returned within " + readable(policies.cooldown()) + " of the recovery at "
                            + lastRecovered + " after " + state.getRepeatsInCooldown()
                            + " repeated recovery(ies); no further automatic attempt");
            return;
        } else {
            state.setRepeatsInCooldown(state.getRepeatsInCooldown() + 1);
        }
        issue(target, incident, ShardDownStep.MARK_UNHEALTHY, 1, crossing.getObservedAt(), symptomIds);
    }

    // ---- ladder ----

    private void applyOutcome(final Target target, final TargetState state, final RecoveryOutcome outcome) {
        final ActiveIncident incident = state.getIncident();
        if (incident == null || !incident.getAwaitingOutcome() || !incident.getCommandId().equals(outcome.getCommandId())) {
            LOG.debug("Ignoring outcome of command=[{}] target=[{}]: not the step the ladder waits for",
                    outcome.getCommandId(), target);
            return;
        }
        incident.setAwaitingOutcome(false);
        final StepRecord stepRecord = currentStepRecord(incident);
        stepRecord.setStatus(outcome.getStatus().name());
        stepRecord.setFinishedAt(outcome.getFinishedAt());
        stepRecord.setDetail(outcome.getDetail());
        if (outcome.getStatus() != OutcomeStatus.SUCCEEDED) {
            addEvidence(incident, outcome.getEvidence());
            addEvidence(incident, List.of(new Evidence("outcome", outcome.getCommandId(),
                    outcome.getStatus() + " (" + outcome.getReason() + "): " + outcome.getDetail(), false)));
        }
        final Instant at = outcome.getFinishedAt();
        final List<String> causes = causes(incident, "outcome:" + outcome.getCommandId());
        emitUpdate(target, incident, at, incident.getStep() + " attempt " + incident.getAttempt() + " "
                + outcome.getStatus().name().toLowerCase(java.util.Locale.ROOT) + ": " + outcome.getDetail());

        final ShardDownStep step = currentStep(incident);
        switch (outcome.getStatus()) {
            case SUCCEEDED -> advance(target, state, step, at, causes);
            case REJECTED_BY_GUARD -> giveUp(target, incident, step, at, causes,
                    step.stepName() + " was rejected by an actuator guard: " + outcome.getDetail());
            case FAILED, TIMED_OUT -> retryOrFallBack(target, state, step, at, causes, outcome.getDetail());
        }
    }

    private void advance(final Target target, final TargetState state, final ShardDownStep step, final Instant at,
                         final List<String> causes) {
        final ActiveIncident incident = state.getIncident();
        final Optional<ShardDownStep> next = step.next();
        if (next.isPresent()) {
            issue(target, incident, next.get(), 1, at, causes);
            return;
        }
        if (step == ShardDownStep.ESCALATE) {
            LOG.info("Escalation of incident=[{}] target=[{}] delivered; waiting for an operator",
                    incident.getIncidentId(), target);
            return;
        }
        LOG.info("Closing incident=[{}] target=[{}] as recovered", incident.getIncidentId(), target);
        incident.setState(IncidentState.RECOVERED);
        emitUpdate(target, incident, at, "recovered: shard reintroduced after validation");
        state.setIncident(null);
        state.setLastRecoveredAt(at);
        state.setSymptoms(new ArrayList<>());
    }

    private void retryOrFallBack(final Target target, final TargetState state, final ShardDownStep step,
                                 final Instant at, final List<String> causes, final String detail) {
        final ActiveIncident incident = state.getIncident();
        final StepLimits limits = commands.limits(step);
        if (incident.getAttempt() < limits.attempts()) {
            issue(target, incident, step, incident.getAttempt() + 1, at, causes);
        } else if (step == ShardDownStep.REOPEN && documentCountIntact(state)) {
            // A restore would drop every document written since the snapshot, so an intact index goes to a human.
            giveUp(target, incident, step, at, causes, "reopen failed while the shard reports "
                    + state.getLatestDocumentCount() + " documents, within the tolerance of its last healthy count "
                    + state.getHealthyDocumentCount() + ", so its index is not restored: " + detail);
        } else if (step == ShardDownStep.REOPEN) {
            issue(target, incident, ShardDownStep.RESTORE, 1, at, causes);
        } else {
            giveUp(target, incident, step, at, causes, step.stepName() + " failed after " + incident.getAttempt()
                    + " attempt(s): " + detail);
        }
    }

    /** Ends the ladder in an escalation; an escalation that itself fails leaves the incident escalated. */
    private void giveUp(final Target target, final ActiveIncident incident, final ShardDownStep step, final Instant at,
                        final List<String> causes, final String summary) {
        if (step == ShardDownStep.ESCALATE) {
            LOG.error("Escalation of incident=[{}] target=[{}] was not delivered: {}; the incident stays escalated",
                    incident.getIncidentId(), target, summary);
            return;
        }
        incident.setState(IncidentState.ESCALATED);
        emitUpdate(target, incident, at, "escalated: " + summary);
        issue(target, incident, ShardDownStep.ESCALATE, 1, at, causes, summary);
    }

    private void issue(final Target target, final ActiveIncident incident, final ShardDownStep step, final int attempt,
                       final Instant issuedAt, final List<String> causes) {
        issue(target, incident, step, attempt, issuedAt, causes, null);
    }

    private void issue(final Target target, final ActiveIncident incident, final ShardDownStep step, final int attempt,
                       final Instant issuedAt, final List<String> causes, final String escalationSummary) {
        final String commandId = IncidentIds.commandId(incident.getIncidentId(), step.stepName(), attempt);
        final Instant deadline = issuedAt.plus(commands.limits(step).deadline());
        final Object action = step == ShardDownStep.ESCALATE
                ? commands.escalate(escalationSummary != null ? escalationSummary : "escalation retried",
                escalationEvidence(incident))
                : commands.action(step, target);
        final RecoveryCommand command = RecoveryCommand.newBuilder()
                .setCommandId(commandId)
                .setIncidentId(incident.getIncidentId())
                .setStep(step.stepName())
                .setAttempt(attempt)
                .setTarget(target.toString())
                .setIssuedAt(issuedAt)
                .setDeadline(deadline)
                .setDryRun(dryRun)
                .setRunbookVersion(runbook.version())
                .setCauseEventIds(new ArrayList<>(causes))
                .setAction(action)
                .build();

        incident.setStep(step.stepName());
        incident.setAttempt(attempt);
        incident.setCommandId(commandId);
        incident.setIssuedAt(issuedAt);
        incident.setDeadline(deadline);
        incident.setAwaitingOutcome(true);
        incident.getSteps().add(new StepRecord(step.stepName(), attempt, commandId, issuedAt, null, null, null));

        LOG.info("Issuing command=[{}] incident=[{}] target=[{}] deadline=[{}]", commandId, incident.getIncidentId(),
                target, deadline);
        context.forward(new Record<>(target.toString(), new LadderOutput.CommandIssued(command), issuedAt.toEpochMilli()));
        emitUpdate(target, incident, issuedAt, "issued " + step.stepName() + " attempt " + attempt);
    }

    // ---- deadlines ----

    private void timeOutIfDue(final Target target, final TargetState state, final long now) {
        final ActiveIncident incident = state.getIncident();
        if (incident != null && incident.getAwaitingOutcome() && incident.getDeadline().toEpochMilli() <= now) {
            timeOut(target, state);
        }
    }

    private void expireDeadlines(final long now) {
        final List<KeyValue<String, TargetState>> due = new ArrayList<>();
        // TODO(#3): index pending deadlines by time so a tick does not scan every tracked shard.
        try (KeyValueIterator<String, TargetState> all = store.all()) {
            while (all.hasNext()) {
                final KeyValue<String, TargetState> entry = all.next();
                final ActiveIncident incident = entry.value.getIncident();
                if (incident != null && incident.getAwaitingOutcome() && incident.getDeadline().toEpochMilli() <= now) {
                    due.add(entry);
                }
            }
        }
        for (final KeyValue<String, TargetState> entry : due) {
            final Optional<Target> target = Target.parse(entry.key);
            if (target.isPresent()) {
                timeOut(target.get(), entry.value);
                store.put(entry.key, entry.value);
            }
        }
    }

    /** Times out the pending step, which passed its deadline; the timeout takes effect at the deadline itself. */
    private void timeOut(final Target target, final TargetState state) {
        final ActiveIncident incident = state.getIncident();
        final Instant deadline = incident.getDeadline();
        final String detail = "no outcome for command " + incident.getCommandId() + " by its deadline " + deadline;
        LOG.warn("Timing out command=[{}] incident=[{}] target=[{}]: {}", incident.getCommandId(),
                incident.getIncidentId(), target, detail);
        incident.setAwaitingOutcome(false);
        final StepRecord stepRecord = currentStepRecord(incident);
        stepRecord.setStatus(OutcomeStatus.TIMED_OUT.name());
        stepRecord.setFinishedAt(deadline);
        stepRecord.setDetail(detail);
        addEvidence(incident, List.of(new Evidence("deadline", incident.getCommandId(), detail, false)));
        emitUpdate(target, incident, deadline, incident.getStep() + " attempt " + incident.getAttempt() + " timed out");

        final ShardDownStep step = currentStep(incident);
        final List<String> causes = causes(incident, "deadline:" + incident.getCommandId());
        if (step == ShardDownStep.ESCALATE) {
            retryOrFallBack(target, state, step, deadline, causes, detail);
        } else if (incident.getAttempt() < commands.limits(step).attempts()) {
            issue(target, incident, step, incident.getAttempt() + 1, deadline, causes);
        } else {
            // No outcome at all means the actuators cannot be trusted to act: no further automatic step.
            giveUp(target, incident, step, deadline, causes, step.stepName() + " got no outcome within "
                    + readable(commands.limits(step).deadline()) + " in " + incident.getAttempt() + " attempt(s)");
        }
    }

    // ---- removal ----

    private void remove(final String key, final TargetState state, final long at) {
        if (state != null && state.getIncident() != null) {
            final ActiveIncident incident = state.getIncident();
            incident.setState(IncidentState.REMOVED);
            incident.setAwaitingOutcome(false);
            LOG.info("Closing incident=[{}] target=[{}]: the target was removed", incident.getIncidentId(), key);
            Target.parse(key).ifPresent(target -> emitUpdate(target, incident, Instant.ofEpochMilli(at),
                    "removed: the target was deleted"));
        }
        store.delete(key);
    }

    // ---- helpers ----

    private void emitUpdate(final Target target, final ActiveIncident incident, final Instant at, final String change) {
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
                .build();
        context.forward(new Record<>(target.toString(), new LadderOutput.IncidentChanged(update), at.toEpochMilli()));
    }

    /** Formats a duration as the runbook writes it, for example 5m or 90s. */
    private static String readable(final Duration duration) {
        if (duration.toSeconds() % 60 == 0 && !duration.isZero()) {
            return duration.toMinutes() + "m";
        }
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    /** Returns whether the shard's latest document count is within the tolerance of its last healthy count. */
    private boolean documentCountIntact(final TargetState state) {
        return state.getHealthyDocumentCount() != null && state.getLatestDocumentCount() != null
                && symptoms.isIntact(state.getLatestDocumentCount(), state.getHealthyDocumentCount());
    }

    private static List<StepRecord> copySteps(final List<StepRecord> steps) {
        final List<StepRecord> copy = new ArrayList<>(steps.size());
        for (final StepRecord step : steps) {
            copy.add(StepRecord.newBuilder(step).build());
        }
        return copy;
    }

    private static StepRecord currentStepRecord(final ActiveIncident incident) {
        return incident.getSteps().get(incident.getSteps().size() - 1);
    }

    private static ShardDownStep currentStep(final ActiveIncident incident) {
        return ShardDownStep.byName(incident.getStep())
                .orElseThrow(() -> new IllegalStateException("unknown step " + incident.getStep() + " in incident "
                        + incident.getIncidentId()));
    }

    private static List<String> causes(final ActiveIncident incident, final String trigger) {
        final List<String> causes = new ArrayList<>(incident.getSymptomEventIds());
        causes.add(trigger);
        return causes;
    }

    private static List<Evidence> escalationEvidence(final ActiveIncident incident) {
        final List<Evidence> evidence = new ArrayList<>();
        evidence.add(new Evidence("symptoms", "rag.health", "symptom events " + String.join(", ",
                incident.getSymptomEventIds()) + "; " + incident.getFoldedSymptoms() + " more folded in", false));
        evidence.addAll(incident.getEvidence());
        return evidence;
    }

    private static void addEvidence(final ActiveIncident incident, final List<Evidence> items) {
        for (final Evidence item : items) {
            if (incident.getEvidence().size() >= MAX_EVIDENCE) {
                return;
            }
            final String text = item.getText();
            final boolean cut = text.length() > MAX_EVIDENCE_TEXT;
            incident.getEvidence().add(new Evidence(item.getKind(), item.getSource(),
                    cut ? text.substring(0, MAX_EVIDENCE_TEXT) : text, item.getTruncated() || cut));
        }
    }
}
