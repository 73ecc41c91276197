package io.ragreactor.reactor.incident;

import io.ragreactor.reactor.budget.BlastRadiusBudget;
import io.ragreactor.reactor.control.ControlView;
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
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the ladders' decisions for {@link IncidentLadders}: it applies outcomes and timeouts,
 * issues each step's command (after the blast-radius budget's grant for an incident's first step, and
 * only while no kill switch or maintenance window blocks it), retries, escalates and closes incidents as
 * recovered.
 */
final class LadderDriver {

    /** Step name of the escalation that ends every ladder. */
    static final String ESCALATE = IncidentLadders.ESCALATE;

    /** Phase of a new incident whose first step waits for the blast-radius budget's decision. */
    static final String AWAITING_BUDGET = "awaiting-budget";

    private static final Logger LOG = LoggerFactory.getLogger(LadderDriver.class);
    /** An escalation is retried once if the channel does not confirm it in time. */
    private static final int ESCALATION_ATTEMPTS = 2;

    private final Runbook runbook;
    private final List<ScenarioLadder> ladders;
    private final boolean dryRunAll;
    private final SafetyNetSchedule scheduled;
    private final ProcessorContext<String, LadderOutput> context;
    private final ControlView control;
    private final IncidentRecords records;

    LadderDriver(final Runbook runbook, final List<ScenarioLadder> ladders, final boolean dryRunAll,
                 final SafetyNetSchedule scheduled, final ProcessorContext<String, LadderOutput> context,
                 final ControlView control, final IncidentRecords records) {
        this.runbook = runbook;
        this.ladders = ladders;
        this.dryRunAll = dryRunAll;
        this.scheduled = scheduled;
        this.context = context;
        this.control = control;
        this.records = records;
    }

    // ---- ladder ----

    void applyOutcome(final TrackedTarget tracked, final RecoveryOutcome outcome) {
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
            IncidentLadders.addEvidence(incident, outcome.getEvidence());
        } else if (outcome.getStatus() != OutcomeStatus.SUCCEEDED) {
            IncidentLadders.addEvidence(incident, outcome.getEvidence());
            IncidentLadders.addEvidence(incident, List.of(new Evidence("outcome", outcome.getCommandId(),
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
    void apply(final TrackedTarget tracked, final ScenarioLadder ladder, final Decision decision,
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

    void applyBudgetDecision(final TrackedTarget tracked, final BudgetDecision decision) {
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

    void releaseIfGranted(final BudgetDecision decision) {
        if (decision.getGranted()) {
            sendToBudget(new BudgetMessage(new BudgetRelease(decision.getIncidentId(), decision.getTarget(),
                    decision.getAt())), decision.getAt());
        }
    }

    /** Gives the incident's share of the budget back; called when it closes. */
    void releaseBudget(final Target target, final ActiveIncident incident, final Instant at) {
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
        final Optional<WorkloadRef> review = ladderOf(incident).workloadToReview(tracked);
        final Escalate action = Escalate.newBuilder()
                .setChannel(runbook.escalation().channel())
                .setSeverity(runbook.escalation().severity())
                .setSummary(summary)
                .setEvidence(escalationEvidence(incident))
                .setNamespace(review.map(workload -> tracked.target().namespace()).orElse(null))
                .setRecentChangesOf(review.orElse(null))
                .build();
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

    void forwardCommand(final RecoveryCommand command) {
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
    void escalate(final TrackedTarget tracked, final Instant at, final List<String> causes,
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

    /** Times out a pending step past its deadline, or ends a wait that is due; returns whether anything changed. */
    boolean fireDue(final TrackedTarget tracked, final long now) {
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
        IncidentLadders.addEvidence(incident, List.of(new Evidence("deadline", incident.getCommandId(), detail, false)));
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

    // ---- helpers ----

    ScenarioLadder ladderOf(final ActiveIncident incident) {
        for (final ScenarioLadder ladder : ladders) {
            if (ladder.scenario() == incident.getScenario()) {
                return ladder;
            }
        }
        throw new IllegalStateException("no ladder for scenario " + incident.getScenario() + " of incident "
                + incident.getIncidentId());
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

    static List<String> causes(final ActiveIncident incident, final String trigger) {
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
}
