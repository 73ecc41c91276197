package io.ragreactor.reactor.incident;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.reactor.budget.BlastRadiusBudget;
import io.ragreactor.reactor.control.ControlView;
import io.ragreactor.reactor.ingest.ReactorInput;
import io.ragreactor.reactor.safetynets.SafetyNetSchedule;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.schemas.budget.BudgetDecision;
import io.ragreactor.schemas.budget.BudgetMessage;
import io.ragreactor.schemas.budget.BudgetRelease;
import io.ragreactor.schemas.budget.BudgetRequest;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.IncidentAction;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.AlertStatus;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
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
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives every scenario's ladder for every target, one {@link TargetState} per target, and applies the
 * policies all scenarios share.
 *
 * <p>A target has at most one active incident, whatever its scenario: symptoms that follow fold into it,
 * and so do re-deliveries of an alert already acted on. An incident opens when one scenario counts its
 * threshold of symptoms within its window (event time), or at once for a firing alert, which its source
 * has already counted. Each step is issued when the previous step's outcome arrives; a step without an
 * outcome by its deadline times out. A failed step is retried while it has attempts left, then the
 * scenario decides. Every ladder ends in recovery or in an escalation, and an escalated incident keeps
 * its target until an operator resolves it or hands it back through the control topic. After a
 * recovery the target is in cooldown: the runbook allows a few more incidents to run their ladder within
 * it, and the next one goes straight to an escalation. An incident's first step waits for a share of the
 * fleet-wide blast-radius budget, which it gives back when it closes. Silences, maintenance windows and
 * the kill switch come from the control topic.
 */
public final class IncidentLadders implements Processor<String, ReactorInput, String, LadderOutput> {

    /** The state store of the ladders, one {@link TargetState} per target. */
    public static final String STORE = "incident-state";

    /** Step name of the escalation that ends every ladder. */
    public static final String ESCALATE = "escalate";

    /** Phase of a new incident whose first step waits for the blast-radius budget's decision. */
    static final String AWAITING_BUDGET = "awaiting-budget";

    private static final Logger LOG = LoggerFactory.getLogger(IncidentLadders.class);
    private static final int MAX_EVIDENCE = 32;
    private static final int MAX_EVIDENCE_TEXT = 2000;
    private static final int MAX_ALERT_KEYS = 32;
    /** An escalation is retried once if the channel does not confirm it in time. */
    private static final int ESCALATION_ATTEMPTS = 2;

    private final Runbook runbook;
    private final List<ScenarioLadder> ladders;
    private final ReactorClock clock;
    private final Duration punctuationInterval;
    private final boolean dryRunAll;
    private final Deserializer<ControlRecord> controlDeserializer;
    private final String controlTopic;
    private final SafetyNetSchedule scheduled;
    private ProcessorContext<String, LadderOutput> context;
    private KeyValueStore<String, TargetState> store;
    private KeyValueStore<String, String> timers;
    private ControlView control;
    private IncidentRecords records;
    private Sensor suppressed;

    public IncidentLadders(final Runbook runbook, final List<ScenarioLadder> ladders, final ReactorClock clock,
                           final Duration punctuationInterval, final boolean dryRunAll,
                           final Deserializer<ControlRecord> controlDeserializer, final String controlTopic,
                           final SafetyNetSchedule scheduled) {
        this.runbook = runbook;
        this.ladders = List.copyOf(ladders);
        this.clock = clock;
        this.punctuationInterval = punctuationInterval;
        this.dryRunAll = dryRunAll;
        this.controlDeserializer = controlDeserializer;
        this.controlTopic = controlTopic;
        this.scheduled = scheduled;
    }

    @Override
    public void init(final ProcessorContext<String, LadderOutput> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.timers = context.getStateStore(TimerIndex.STORE);
        this.control = new ControlView(context.getStateStore(ControlView.STORE), controlDeserializer, controlTopic);
        this.records = new IncidentRecords(context);
        this.suppressed = context.metrics().addRateTotalSensor("rag-reactor", "incident-ladders",
                "symptoms-suppressed", Sensor.RecordingLevel.INFO);
        // Deadlines, waits and schedules must fire when no record arrives at all, so a timer drives them.
        context.schedule(punctuationInterval, clock.punctuationType(), this::onTimer);
    }

    @Override
    public void process(final Record<String, ReactorInput> record) {
        final Optional<Target> target = Target.parse(record.key());
        if (target.isEmpty()) {
            return;
        }
        final ReactorInput input = record.value();
        final TargetState state = store.get(record.key());
        if (input instanceof ReactorInput.Removal removal) {
            remove(record.key(), state, removal.eventTime());
            return;
        }
        if (state == null && input instanceof ReactorInput.BudgetDecided decided) {
            // The target was removed while its request travelled: give a granted share straight back.
            releaseIfGranted(decided.decision());
            return;
        }
        final TrackedTarget tracked = new TrackedTarget(target.get(), state != null ? state : newState(record.key()));
        if (state == null) {
            scheduled.startTracking(tracked, Instant.ofEpochMilli(input.eventTime()));
        }

        // An operator's decision comes first: a resolved incident needs no more retries.
        applyOperatorAction(tracked);
        // An input later than a pending deadline or wait proves it passed first, whatever the timer did.
        fireDue(tracked, input.eventTime());
        if (input instanceof ReactorInput.Observation observation) {
            observe(tracked, observation.event());
        } else if (input instanceof ReactorInput.Outcome outcome) {
            applyOutcome(tracked, outcome.outcome());
        } else if (input instanceof ReactorInput.BudgetDecided decided) {
            applyBudgetDecision(tracked, decided.decision());
        }
        save(record.key(), tracked.state());
    }

    // ---- detection ----

    private void observe(final TrackedTarget tracked, final HealthEvent event) {
        final AlertOrigin alert = event.getAlertOrigin();
        if (alert != null && alert.getStatus() == AlertStatus.RESOLVED) {
            // A resolved alert means the symptom stopped, not that the target recovered. The ladder decides that.
            LOG.debug("Ignoring resolved alert fingerprint=[{}] target=[{}]", alert.getFingerprint(), tracked.target());
            return;
        }
        ScenarioLadder detectedBy = null;
        Optional<Symptom> symptom = Optional.empty();
        for (final ScenarioLadder ladder : ladders) {
            symptom = ladder.detect(tracked.target(), event, tracked.state());
            if (symptom.isPresent()) {
                detectedBy = ladder;
                break;
            }
        }

        final ActiveIncident incident = tracked.incident();
        if (incident != null) {
            if (symptom.isPresent()) {
                fold(tracked, event);
            }
            final ScenarioLadder ladder = ladderOf(incident);
            apply(tracked, ladder, ladder.observed(tracked, event, symptom), event.getObservedAt(),
                    causes(incident, event.getEventId()));
            return;
        }
        if (symptom.isEmpty()) {
            return;
        }
        if (alert != null && alreadyActedOn(tracked, alert)) {
            return;
        }
        final Optional<ControlView.Hold> hold = control.suppressesNewIncidents(tracked.target(), event.getObservedAt());
        if (hold.isPresent()) {
            suppressed.record();
            LOG.info("Not opening an incident for target=[{}] on event=[{}]: {}", tracked.target(), event.getEventId(),
                    hold.get().reason());
            return;
        }
        if (alert != null) {
            rememberAlert(tracked.state(), alert);
        }
        countAndOpen(tracked, detectedBy, event, symptom.get(), alert != null || symptom.get().opensAtOnce());
    }

    private void fold(final TrackedTarget tracked, final HealthEvent event) {
        final ActiveIncident incident = tracked.incident();
        incident.setFoldedSymptoms(incident.getFoldedSymptoms() + 1);
        if (incident.getLastSymptomAt() == null || event.getObservedAt().isAfter(incident.getLastSymptomAt())) {
            incident.setLastSymptomAt(event.getObservedAt());
        }
        if (event.getAlertOrigin() != null) {
            rememberAlert(tracked.state(), event.getAlertOrigin());
        }
        LOG.debug("Folding symptom into incident=[{}] target=[{}] event=[{}]", incident.getIncidentId(),
                tracked.target(), event.getEventId());
    }

    /**
     * Returns true when the alert was acted on before: Alertmanager peers and retries deliver one alert
     * several times, and only the first delivery counts. A re-delivery may start a new incident only when
     * the target's last incident closed without recovering.
     */
    private static boolean alreadyActedOn(final TrackedTarget tracked, final AlertOrigin alert) {
        final TargetState state = tracked.state();
        if (!state.getAlertKeys().contains(alertKey(alert)) || state.getLastIncidentFailed()) {
            return false;
        }
        LOG.info("Ignoring re-delivered alert fingerprint=[{}] startsAt=[{}] target=[{}]: it was acted on already",
                alert.getFingerprint(), alert.getStartsAt(), tracked.target());
        return true;
    }

    private static void rememberAlert(final TargetState state, final AlertOrigin alert) {
        final String key = alertKey(alert);
        final List<String> keys = new ArrayList<>(state.getAlertKeys());
        if (!keys.contains(key)) {
            keys.add(key);
        }
        while (keys.size() > MAX_ALERT_KEYS) {
            keys.remove(0);
        }
        state.setAlertKeys(keys);
    }

    private static String alertKey(final AlertOrigin alert) {
        return alert.getFingerprint() + "@" + alert.getStartsAt().toEpochMilli();
    }

    private void countAndOpen(final TrackedTarget tracked, final ScenarioLadder ladder, final HealthEvent event,
                              final Symptom symptom, final boolean atOnce) {
        final ScenarioLadder.Detection detection = ladder.detection();
        final List<SymptomMark> others = new ArrayList<>();
        final List<SymptomMark> marks = new ArrayList<>();
        for (final SymptomMark mark : tracked.state().getSymptoms()) {
            (mark.getScenario() == ladder.scenario() ? marks : others).add(mark);
        }
        marks.add(new SymptomMark(event.getEventId(), event.getObservedAt(), ladder.scenario()));
        marks.sort(Comparator.comparing(SymptomMark::getObservedAt));
        final Instant newest = marks.get(marks.size() - 1).getObservedAt();
        marks.removeIf(mark -> mark.getObservedAt().isBefore(newest.minus(detection.window())));
        while (marks.size() > detection.threshold()) {
            marks.remove(0);
        }
        final List<SymptomMark> all = new ArrayList<>(others);
        all.addAll(marks);
        tracked.state().setSymptoms(all);
        if (atOnce || marks.size() >= detection.threshold()) {
            open(tracked, ladder, marks, event, symptom);
        }
    }

    private void open(final TrackedTarget tracked, final ScenarioLadder ladder, final List<SymptomMark> marks,
                      final HealthEvent crossing, final Symptom symptom) {
        final Target target = tracked.target();
        final Instant firstSymptomAt = marks.get(0).getObservedAt();
        final String incidentId = IncidentIds.incidentId(target.toString(), firstSymptomAt.toEpochMilli());
        final List<String> symptomIds = marks.stream().map(SymptomMark::getEventId).toList();
        final Instant at = crossing.getObservedAt();
        final ActiveIncident incident = ActiveIncident.newBuilder()
                .setIncidentId(incidentId)
                .setScenario(ladder.scenario())
                .setState(IncidentState.OPEN)
                .setFirstSymptomAt(firstSymptomAt)
                .setDetectedAt(at)
                .setSymptomEventIds(new ArrayList<>(symptomIds))
                .setStep("")
                .setAttempt(0)
                .setCommandId("")
                .setIssuedAt(at)
                .setDeadline(at)
                .setAwaitingOutcome(false)
                .setSteps(new ArrayList<>())
                .setEvidence(new ArrayList<>())
                .setTrigger(symptom.kind())
                .setLastSymptomAt(at)
                .build();
        tracked.state().setIncident(incident);
        tracked.state().setSymptoms(new ArrayList<>());
        final String window = readable(ladder.detection().window());
        final String reason = symptomIds.size() == 1 ? symptom.description()
                : symptomIds.size() + " symptoms within " + window + ", last: " + symptom.description();
        LOG.info("Opening incident=[{}] scenario=[{}] target=[{}]: {}", incidentId, ladder.scenario(), target, reason);
        records.emitUpdate(target, incident, at, "opened: " + reason);

        // A target that keeps failing soon after each recovery needs a human, not another restart loop.
        final Runbook.Policies policies = runbook.policies();
        final TargetState state = tracked.state();
        final Instant lastRecovered = state.getLastRecoveredAt();
        final boolean inCooldown = lastRecovered != null && at.isBefore(lastRecovered.plus(policies.cooldown()));
        if (!inCooldown) {
            state.setRepeatsInCooldown(0);
        } else if (state.getRepeatsInCooldown() >= policies.repeatsInCooldown()) {
            escalate(tracked, at, symptomIds, "flapping: symptoms returned within " + readable(policies.cooldown())
                    + " of the recovery at " + lastRecovered + " after " + state.getRepeatsInCooldown()
                    + " repeated recovery(ies); no further automatic attempt");
            return;
        } else {
            state.setRepeatsInCooldown(state.getRepeatsInCooldown() + 1);
        }
        apply(tracked, ladder, ladder.open(tracked, crossing, at), at, symptomIds);
    }

    // ---- ladder ----

    private void applyOutcome(final TrackedTarget tracked, final RecoveryOutcome outcome) {
        if (scheduled.isScheduled(outcome)) {
            scheduled.onOutcome(tracked, outcome).ifPresent(this::forwardCommand);
            return;
        }
        final ActiveIncident incident = tracked.incident();
        if (incident == null || !incident.getAwaitingOutcome() || !incident.getCommandId().equals(outcome.getCommandId())) {
            LOG.debug("Ignoring outcome of command=[{}] target=[{}]: not the step the ladder waits for",
                    outcome.getCommandId(), tracked.target());
            return;
        }
        incident.setAwaitingOutcome(false);
        final StepRecord stepRecord = currentStepRecord(incident);
        stepRecord.setStatus(outcome.getStatus().name());
        stepRecord.setFinishedAt(outcome.getFinishedAt());
        stepRecord.setDetail(outcome.getDetail());
        final ScenarioLadder ladder = ladderOf(incident);
        if (outcome.getStatus() == OutcomeStatus.SUCCEEDED && ladder.collectsEvidence(incident.getStep())) {
            addEvidence(incident, outcome.getEvidence());
        } else if (outcome.getStatus() != OutcomeStatus.SUCCEEDED) {
            addEvidence(incident, outcome.getEvidence());
            addEvidence(incident, List.of(new Evidence("outcome", outcome.getCommandId(),
                    outcome.getStatus() + " (" + outcome.getReason() + "): " + outcome.getDetail(), false)));
        }
        final Instant at = outcome.getFinishedAt();
        final List<String> causes = causes(incident, "outcome:" + outcome.getCommandId());
        final String step = incident.getStep();
        records.emitUpdate(tracked.target(), incident, at, step + " attempt " + incident.getAttempt() + " "
                + outcome.getStatus().name().toLowerCase(Locale.ROOT) + ": " + outcome.getDetail());

        if (step.equals(ESCALATE)) {
            onEscalationOutcome(tracked, outcome, at, causes);
            return;
        }
        if (outcome.getStatus() == OutcomeStatus.SUCCEEDED) {
            if (incident.getMitigatedAt() == null && ladder.mitigates(step)) {
                incident.setMitigatedAt(at);
            }
            if (incident.getServiceRestoredAt() == null && ladder.restoresService(step)) {
                incident.setServiceRestoredAt(at);
            }
        }
        switch (outcome.getStatus()) {
            case SUCCEEDED -> apply(tracked, ladder, ladder.succeeded(tracked, step, at), at, causes);
            case REJECTED_BY_GUARD -> escalate(tracked, at, causes,
                    step + " was rejected by an actuator guard: " + outcome.getDetail());
            case FAILED, TIMED_OUT -> {
                if (incident.getAttempt() < ladder.limits(step).attempts()) {
                    issue(tracked, ladder, step, incident.getAttempt() + 1, at, causes);
                } else {
                    apply(tracked, ladder, ladder.exhausted(tracked, step, outcome.getStatus(), outcome.getDetail(), at),
                            at, causes);
                }
            }
        }
    }

    private void onEscalationOutcome(final TrackedTarget tracked, final RecoveryOutcome outcome, final Instant at,
                                     final List<String> causes) {
        final ActiveIncident incident = tracked.incident();
        if (outcome.getStatus() == OutcomeStatus.SUCCEEDED) {
            LOG.info("Escalation of incident=[{}] target=[{}] delivered; waiting for an operator",
                    incident.getIncidentId(), tracked.target());
        } else if (incident.getAttempt() < ESCALATION_ATTEMPTS) {
            issueEscalation(tracked, incident.getAttempt() + 1, at, causes, "escalation retried: " + outcome.getDetail());
        } else {
            LOG.error("Escalation of incident=[{}] target=[{}] was not delivered: {}; the incident stays escalated",
                    incident.getIncidentId(), tracked.target(), outcome.getDetail());
        }
    }

    /** Carries out a ladder's decision, applying the kill switch and maintenance windows to every new step. */
    private void apply(final TrackedTarget tracked, final ScenarioLadder ladder, final Decision decision,
                       final Instant at, final List<String> causes) {
        final ActiveIncident incident = tracked.incident();
        if (decision instanceof Decision.Issue issue && !incident.getBudgetGranted()) {
            requestBudget(tracked, ladder, issue.step(), at);
        } else if (decision instanceof Decision.Issue issue) {
            issue(tracked, ladder, issue.step(), 1, at, causes);
        } else if (decision instanceof Decision.Wait wait) {
            if (!wait.phase().equals(incident.getPhase())) {
                incident.setWaitStartedAt(at);
            }
            incident.setPhase(wait.phase());
            incident.setWaitUntil(wait.until());
            records.emitUpdate(tracked.target(), incident, at, "waiting: " + wait.phase() + " until " + wait.until());
        } else if (decision instanceof Decision.Recover recover) {
            recover(tracked, at, recover.summary());
        } else if (decision instanceof Decision.Escalate escalate) {
            escalate(tracked, at, causes, escalate.summary());
        }
    }

    // ---- blast-radius budget ----

    /**
     * Defers the incident's first step until the fleet-wide budget grants it a share. The request goes
     * through the budget topic to the one task that keeps the budget, and the decision comes back to this
     * target's partition.
     */
    private void requestBudget(final TrackedTarget tracked, final ScenarioLadder ladder, final String step,
                               final Instant at) {
        final ActiveIncident incident = tracked.incident();
        incident.setPendingStep(step);
        incident.setPhase(AWAITING_BUDGET);
        incident.setWaitStartedAt(at);
        incident.setWaitUntil(at.plus(runbook.policies().budget().decisionTimeout()));
        final BudgetRequest request = new BudgetRequest(incident.getIncidentId(), tracked.target().toString(),
                ladder.marksShard(), new ArrayList<>(ladder.replicaGroup(tracked.target())), at);
        LOG.debug("Requesting budget for incident=[{}] target=[{}] before step=[{}]", incident.getIncidentId(),
                tracked.target(), step);
        sendToBudget(new BudgetMessage(request), at);
    }

    private void applyBudgetDecision(final TrackedTarget tracked, final BudgetDecision decision) {
        final ActiveIncident incident = tracked.incident();
        if (incident == null || !incident.getIncidentId().equals(decision.getIncidentId())
                || !AWAITING_BUDGET.equals(incident.getPhase())) {
            if (incident == null || !incident.getIncidentId().equals(decision.getIncidentId())) {
                releaseIfGranted(decision);
            }
            return;
        }
        final Instant at = decision.getAt();
        final String step = incident.getPendingStep();
        incident.setPendingStep("");
        incident.setPhase("");
        incident.setWaitUntil(null);
        if (!decision.getGranted()) {
            escalate(tracked, at, causes(incident, "budget:" + decision.getIncidentId()),
                    step + " not issued: the blast-radius budget is spent: " + decision.getReason());
            return;
        }
        incident.setBudgetGranted(true);
        incident.setReplica(decision.getReplica());
        // The first step names the symptoms that opened the incident; the grant only let it go.
        issue(tracked, ladderOf(incident), step, 1, at, new ArrayList<>(incident.getSymptomEventIds()));
    }

    private void releaseIfGranted(final BudgetDecision decision) {
        if (decision.getGranted()) {
            sendToBudget(new BudgetMessage(new BudgetRelease(decision.getIncidentId(), decision.getTarget(),
                    decision.getAt())), decision.getAt());
        }
    }

    /** Gives the incident's share of the budget back; called when it closes. */
    private void releaseBudget(final Target target, final ActiveIncident incident, final Instant at) {
        if (incident.getBudgetGranted()) {
            sendToBudget(new BudgetMessage(new BudgetRelease(incident.getIncidentId(), target.toString(), at)), at);
        }
    }

    private void sendToBudget(final BudgetMessage message, final Instant at) {
        context.forward(new Record<>(BlastRadiusBudget.KEY, new LadderOutput.BudgetSent(message), at.toEpochMilli()));
    }

    private void issue(final TrackedTarget tracked, final ScenarioLadder ladder, final String step, final int attempt,
                       final Instant issuedAt, final List<String> causes) {
        final Optional<ControlView.Hold> hold = control.blocksAutomation(tracked.target(), issuedAt);
        if (hold.isPresent()) {
            escalate(tracked, issuedAt, causes, step + " not issued: " + hold.get().reason());
            return;
        }
        final ActiveIncident incident = tracked.incident();
        incident.setPhase("");
        incident.setWaitUntil(null);
        final Object action = ladder.action(step, tracked);
        send(tracked, step, attempt, issuedAt, ladder.limits(step).deadline(), dryRun(ladder), causes, action);
    }

    /** Returns whether the ladder's commands go out marked dry-run, for all scenarios or for this one. */
    private boolean dryRun(final ScenarioLadder ladder) {
        return dryRunAll || runbook.policies().dryRun().appliesTo(ladder.runbookKey());
    }

    private void issueEscalation(final TrackedTarget tracked, final int attempt, final Instant issuedAt,
                                 final List<String> causes, final String summary) {
        final ActiveIncident incident = tracked.incident();
        incident.setPhase("");
        incident.setWaitUntil(null);
        final Escalate action = new Escalate(runbook.escalation().channel(), runbook.escalation().severity(), summary,
                escalationEvidence(incident));
        send(tracked, ESCALATE, attempt, issuedAt, runbook.escalation().deadline(), dryRun(ladderOf(incident)), causes,
                action);
    }

    private void send(final TrackedTarget tracked, final String step, final int attempt, final Instant issuedAt,
                      final Duration stepDeadline, final boolean dryRun, final List<String> causes, final Object action) {
        final ActiveIncident incident = tracked.incident();
        final String commandId = IncidentIds.commandId(incident.getIncidentId(), step, attempt);
        final Instant deadline = issuedAt.plus(stepDeadline);
        final RecoveryCommand command = RecoveryCommand.newBuilder()
                .setCommandId(commandId)
                .setIncidentId(incident.getIncidentId())
                .setStep(step)
                .setAttempt(attempt)
                .setTarget(tracked.target().toString())
                .setIssuedAt(issuedAt)
                .setDeadline(deadline)
                .setDryRun(dryRun)
                .setRunbookVersion(runbook.version())
                .setCauseEventIds(new ArrayList<>(causes))
                .setAction(action)
                .build();

        incident.setStep(step);
        incident.setAttempt(attempt);
        incident.setCommandId(commandId);
        incident.setIssuedAt(issuedAt);
        incident.setDeadline(deadline);
        incident.setAwaitingOutcome(true);
        incident.getSteps().add(new StepRecord(step, attempt, commandId, issuedAt, null, null, null));

        LOG.info("Issuing command=[{}] incident=[{}] target=[{}] deadline=[{}]{}", commandId, incident.getIncidentId(),
                tracked.target(), deadline, dryRun ? " as a dry run" : "");
        forwardCommand(command);
        records.emitUpdate(tracked.target(), incident, issuedAt, "issued " + step + " attempt " + attempt
                + (dryRun ? " (dry run)" : ""));
    }

    private void forwardCommand(final RecoveryCommand command) {
        context.forward(new Record<>(command.getTarget(), new LadderOutput.CommandIssued(command),
                command.getIssuedAt().toEpochMilli()));
    }

    private void recover(final TrackedTarget tracked, final Instant at, final String summary) {
        final ActiveIncident incident = tracked.incident();
        LOG.info("Closing incident=[{}] target=[{}] as recovered: {}", incident.getIncidentId(), tracked.target(), summary);
        incident.setState(IncidentState.RECOVERED);
        incident.setPhase("");
        incident.setWaitUntil(null);
        if (incident.getServiceRestoredAt() == null) {
            incident.setServiceRestoredAt(at);
        }
        records.emitClosing(tracked.target(), incident, at, "recovered: " + summary, "reactor");
        releaseBudget(tracked.target(), incident, at);
        final TargetState state = tracked.state();
        state.setIncident(null);
        state.setLastRecoveredAt(at);
        state.setLastIncidentFailed(false);
        state.setSymptoms(new ArrayList<>());
    }

    /** Ends the ladder in an escalation; an incident that is escalated already is not escalated twice. */
    private void escalate(final TrackedTarget tracked, final Instant at, final List<String> causes,
                          final String summary) {
        final ActiveIncident incident = tracked.incident();
        if (incident.getState() == IncidentState.ESCALATED) {
            LOG.warn("Incident=[{}] target=[{}] is escalated already: {}", incident.getIncidentId(), tracked.target(),
                    summary);
            return;
        }
        incident.setState(IncidentState.ESCALATED);
        records.emitUpdate(tracked.target(), incident, at, "escalated: " + summary);
        issueEscalation(tracked, 1, at, causes, summary);
    }

    // ---- timers ----

    /**
     * Fires what is due at {@code now}: deadlines and waits found through the timer index, operators'
     * actions on incidents, and the safety nets whose slot has come. No step scans every tracked target,
     * except the safety nets' once per schedule slot.
     */
    private void onTimer(final long now) {
        final Instant at = Instant.ofEpochMilli(now);
        final List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, String> entries = timers.range(TimerIndex.FIRST, TimerIndex.after(now))) {
            while (entries.hasNext()) {
                due.add(entries.next().value);
            }
        }
        for (final String key : due) {
            withTracked(key, tracked -> fireDue(tracked, now));
        }
        for (final IncidentAction action : control.incidentActions()) {
            withTracked(action.getTarget(), this::applyOperatorAction);
        }
        if (scheduled.scanDue(at)) {
            final List<String> shards = new ArrayList<>();
            try (KeyValueIterator<String, TargetState> all = store.all()) {
                while (all.hasNext()) {
                    shards.add(all.next().key);
                }
            }
            boolean held = false;
            for (final String key : shards) {
                final SafetyNetSchedule.Result result = withScheduled(key, at);
                held |= result == SafetyNetSchedule.Result.HELD;
            }
            scheduled.scanFinished(at, held);
        }
        scheduled.issueFleetWide(at, context.taskId().partition(), control, this::forwardCommand);
    }

    /** Runs {@code change} on the target's state when this task holds it, and saves the state if it changed. */
    private void withTracked(final String key, final java.util.function.Predicate<TrackedTarget> change) {
        final TargetState state = store.get(key);
        final Optional<Target> target = Target.parse(key);
        if (state == null || target.isEmpty()) {
            return;
        }
        if (change.test(new TrackedTarget(target.get(), state))) {
            save(key, state);
        }
    }

    private SafetyNetSchedule.Result withScheduled(final String key, final Instant at) {
        final TargetState state = store.get(key);
        final Optional<Target> target = Target.parse(key);
        if (state == null || target.isEmpty()) {
            return SafetyNetSchedule.Result.UNCHANGED;
        }
        final SafetyNetSchedule.Result result = scheduled.issueDue(new TrackedTarget(target.get(), state), at, control,
                this::forwardCommand);
        if (result != SafetyNetSchedule.Result.UNCHANGED) {
            save(key, state);
        }
        return result;
    }

    /** Stores the target's state and keeps its entry in the timer index in step with its next due time. */
    private void save(final String key, final TargetState state) {
        final Instant dueAt = TimerIndex.dueAt(state);
        final Instant filedAt = state.getTimerAt();
        if (!java.util.Objects.equals(dueAt, filedAt)) {
            if (filedAt != null) {
                timers.delete(TimerIndex.key(filedAt.toEpochMilli(), key));
            }
            if (dueAt != null) {
                timers.put(TimerIndex.key(dueAt.toEpochMilli(), key), key);
            }
            state.setTimerAt(dueAt);
        }
        store.put(key, state);
    }

    /** Times out a pending step past its deadline, or ends a wait that is due; returns whether anything changed. */
    private boolean fireDue(final TrackedTarget tracked, final long now) {
        final ActiveIncident incident = tracked.incident();
        if (incident == null) {
            return false;
        }
        if (incident.getAwaitingOutcome() && incident.getDeadline().toEpochMilli() <= now) {
            timeOut(tracked);
            return true;
        }
        if (!incident.getAwaitingOutcome() && incident.getWaitUntil() != null
                && incident.getWaitUntil().toEpochMilli() <= now) {
            final Instant at = incident.getWaitUntil();
            incident.setWaitUntil(null);
            if (AWAITING_BUDGET.equals(incident.getPhase())) {
                incident.setPhase("");
                escalate(tracked, at, causes(incident, "wait:" + AWAITING_BUDGET), incident.getPendingStep()
                        + " not issued: no decision of the blast-radius budget within "
                        + readable(runbook.policies().budget().decisionTimeout()));
                return true;
            }
            final ScenarioLadder ladder = ladderOf(incident);
            apply(tracked, ladder, ladder.waited(tracked, at), at, causes(incident, "wait:" + incident.getPhase()));
            return true;
        }
        return false;
    }

    /** Times out the pending step, which passed its deadline; the timeout takes effect at the deadline itself. */
    private void timeOut(final TrackedTarget tracked) {
        final ActiveIncident incident = tracked.incident();
        final Instant deadline = incident.getDeadline();
        final String detail = "no outcome for command " + incident.getCommandId() + " by its deadline " + deadline;
        LOG.warn("Timing out command=[{}] incident=[{}] target=[{}]: {}", incident.getCommandId(),
                incident.getIncidentId(), tracked.target(), detail);
        incident.setAwaitingOutcome(false);
        final StepRecord stepRecord = currentStepRecord(incident);
        stepRecord.setStatus(OutcomeStatus.TIMED_OUT.name());
        stepRecord.setFinishedAt(deadline);
        stepRecord.setDetail(detail);
        addEvidence(incident, List.of(new Evidence("deadline", incident.getCommandId(), detail, false)));
        records.emitUpdate(tracked.target(), incident, deadline, incident.getStep() + " attempt " + incident.getAttempt()
                + " timed out");

        final String step = incident.getStep();
        final List<String> causes = causes(incident, "deadline:" + incident.getCommandId());
        if (step.equals(ESCALATE)) {
            if (incident.getAttempt() < ESCALATION_ATTEMPTS) {
                issueEscalation(tracked, incident.getAttempt() + 1, deadline, causes, "escalation retried: " + detail);
            } else {
                LOG.error("Escalation of incident=[{}] target=[{}] got no outcome; the incident stays escalated",
                        incident.getIncidentId(), tracked.target());
            }
            return;
        }
        final ScenarioLadder ladder = ladderOf(incident);
        final StepLimits limits = ladder.limits(step);
        if (incident.getAttempt() < limits.attempts()) {
            issue(tracked, ladder, step, incident.getAttempt() + 1, deadline, causes);
        } else {
            // No outcome at all means the actuators cannot be trusted to act: no further automatic step.
            escalate(tracked, deadline, causes, step + " got no outcome within " + readable(limits.deadline()) + " in "
                    + incident.getAttempt() + " attempt(s)");
        }
    }

    // ---- operators ----

    /** Carries out an operator's resolve or hand-back of the target's incident; returns whether it did. */
    private boolean applyOperatorAction(final TrackedTarget tracked) {
        final ActiveIncident incident = tracked.incident();
        if (incident == null) {
            return false;
        }
        final Optional<ControlRecord> found = control.incidentAction(incident.getIncidentId());
        if (found.isEmpty()) {
            return false;
        }
        final ControlRecord record = found.get();
        final IncidentAction action = (IncidentAction) record.getInstruction();
        if (!action.getTarget().equals(tracked.target().toString())) {
            LOG.warn("Ignoring operator action on incident=[{}]: it names target=[{}], the incident's is [{}]",
                    incident.getIncidentId(), action.getTarget(), tracked.target());
            return false;
        }
        // The decision carries the operator's time, but never one before the incident's last change.
        final Instant at = record.getCreatedAt().isAfter(incident.getIssuedAt()) ? record.getCreatedAt()
                : incident.getIssuedAt();
        final TargetState state = tracked.state();
        final boolean handBack = action.getAction() == IncidentActionKind.HAND_BACK;
        LOG.info("Closing incident=[{}] target=[{}]: {} by {}", incident.getIncidentId(), tracked.target(),
                handBack ? "handed back to automation" : "resolved", record.getCreatedBy());
        incident.setState(IncidentState.RESOLVED);
        incident.setAwaitingOutcome(false);
        incident.setWaitUntil(null);
        records.emitClosing(tracked.target(), incident, at, (handBack ? "handed back to automation by "
                : "resolved by ") + record.getCreatedBy() + (record.getComment().isBlank() ? "" : ": "
                + record.getComment()), record.getCreatedBy());
        releaseBudget(tracked.target(), incident, at);
        state.setIncident(null);
        state.setSymptoms(new ArrayList<>());
        state.setLastIncidentFailed(true);
        if (handBack) {
            state.setRepeatsInCooldown(0);
            state.setLastRecoveredAt(null);
        }
        return true;
    }

    // ---- removal ----

    private void remove(final String key, final TargetState state, final long at) {
        if (state != null && state.getIncident() != null) {
            final ActiveIncident incident = state.getIncident();
            incident.setState(IncidentState.REMOVED);
            incident.setAwaitingOutcome(false);
            LOG.info("Closing incident=[{}] target=[{}]: the target was removed", incident.getIncidentId(), key);
            Target.parse(key).ifPresent(target -> {
                records.emitClosing(target, incident, Instant.ofEpochMilli(at), "removed: the target was deleted",
                        "target removed");
                releaseBudget(target, incident, Instant.ofEpochMilli(at));
            });
        }
        if (state != null && state.getTimerAt() != null) {
            timers.delete(TimerIndex.key(state.getTimerAt().toEpochMilli(), key));
        }
        store.delete(key);
    }

    // ---- helpers ----

    private ScenarioLadder ladderOf(final ActiveIncident incident) {
        for (final ScenarioLadder ladder : ladders) {
            if (ladder.scenario() == incident.getScenario()) {
                return ladder;
            }
        }
        throw new IllegalStateException("no ladder for scenario " + incident.getScenario() + " of incident "
                + incident.getIncidentId());
    }

    private static TargetState newState(final String key) {
        return TargetState.newBuilder().setTarget(key).setSymptoms(new ArrayList<>()).build();
    }

    /** Formats a duration as the runbook writes it, for example 5m or 90s. */
    static String readable(final Duration duration) {
        if (duration.toSeconds() % 60 == 0 && !duration.isZero()) {
            return duration.toMinutes() + "m";
        }
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s" : duration.toMillis() + "ms";
    }

    private static StepRecord currentStepRecord(final ActiveIncident incident) {
        return incident.getSteps().get(incident.getSteps().size() - 1);
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

    /** Adds evidence to the incident, bounded in count and length so the state stays small. */
    public static void addEvidence(final ActiveIncident incident, final List<Evidence> items) {
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
