package io.ragreactor.reactor.incident;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.reactor.control.ControlView;
import io.ragreactor.reactor.ingest.ReactorInput;
import io.ragreactor.reactor.safetynets.SafetyNetSchedule;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.IncidentAction;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.AlertStatus;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
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
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Deserializer;
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

    private static final Logger LOG = LoggerFactory.getLogger(IncidentLadders.class);
    private static final int MAX_EVIDENCE = 32;
    private static final int MAX_EVIDENCE_TEXT = 2000;
    private static final int MAX_ALERT_KEYS = 32;

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
    private LadderDriver driver;
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
        this.driver = new LadderDriver(runbook, ladders, dryRunAll, scheduled, context, control, records);
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
            driver.releaseIfGranted(decided.decision());
            return;
        }
        final TrackedTarget tracked = new TrackedTarget(target.get(), state != null ? state : newState(record.key()));
        if (state == null) {
            scheduled.startTracking(tracked, Instant.ofEpochMilli(input.eventTime()));
        }

        // An operator's decision comes first: a resolved incident needs no more retries.
        applyOperatorAction(tracked);
        // An input later than a pending deadline or wait proves it passed first, whatever the timer did.
        driver.fireDue(tracked, input.eventTime());
        if (input instanceof ReactorInput.Observation observation) {
            observe(tracked, observation.event());
        } else if (input instanceof ReactorInput.Outcome outcome) {
            driver.applyOutcome(tracked, outcome.outcome());
        } else if (input instanceof ReactorInput.BudgetDecided decided) {
            driver.applyBudgetDecision(tracked, decided.decision());
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
            final ScenarioLadder ladder = driver.ladderOf(incident);
            driver.apply(tracked, ladder, ladder.observed(tracked, event, symptom), event.getObservedAt(),
                    LadderDriver.causes(incident, event.getEventId()));
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
        final String window = LadderDriver.readable(ladder.detection().window());
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
            driver.escalate(tracked, at, symptomIds, "flapping: symptoms returned within "
                    + LadderDriver.readable(policies.cooldown())
                    + " of the recovery at " + lastRecovered + " after " + state.getRepeatsInCooldown()
                    + " repeated recovery(ies); no further automatic attempt");
            return;
        } else {
            state.setRepeatsInCooldown(state.getRepeatsInCooldown() + 1);
        }
        driver.apply(tracked, ladder, ladder.open(tracked, crossing, at), at, symptomIds);
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
            withTracked(key, tracked -> driver.fireDue(tracked, now));
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
        scheduled.issueFleetWide(at, context.taskId().partition(), control, driver::forwardCommand);
    }

    /** Runs {@code change} on the target's state when this task owns it, and saves the state if it changed. */
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
                driver::forwardCommand);
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
        driver.releaseBudget(tracked.target(), incident, at);
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
                driver.releaseBudget(target, incident, Instant.ofEpochMilli(at));
            });
        }
        if (state != null && state.getTimerAt() != null) {
            timers.delete(TimerIndex.key(state.getTimerAt().toEpochMilli(), key));
        }
        store.delete(key);
    }

    // ---- helpers ----

    private static TargetState newState(final String key) {
        return TargetState.newBuilder().setTarget(key).setSymptoms(new ArrayList<>()).build();
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
