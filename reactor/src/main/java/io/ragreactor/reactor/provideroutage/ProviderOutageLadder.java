package io.ragreactor.reactor.provideroutage;

import io.ragreactor.reactor.incident.Decision;
import io.ragreactor.reactor.incident.IncidentLadders;
import io.ragreactor.reactor.incident.ScenarioLadder;
import io.ragreactor.reactor.incident.Symptom;
import io.ragreactor.reactor.incident.TrackedTarget;
import io.ragreactor.runbook.ProviderOutageSettings;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ProviderError;
import io.ragreactor.schemas.health.QualityReading;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Scenario B, LLM provider outage. Symptoms are bursts of outage statuses or quota errors, and rate limits
 * that persist after their Retry-After. Auth failures escalate as a configuration fault without any failover.
 *
 * <p>The ladder switches to the backup provider when one is configured. Otherwise it turns on the local
 * fallback mode and throttles. Once the provider has been free of symptoms long enough, traffic ramps back
 * in the runbook's percents, and each step is held while quality readings are compared with the baseline.
 * A regression rolls traffic back to 0 % and waits for the provider again, up to the runbook's number of
 * regressions. The regression after that escalates.
 */
public final class ProviderOutageLadder implements ScenarioLadder {

    /** Wait for the provider to be free of symptoms for the runbook's healthy period. */
    static final String AWAIT_RECOVERY = "await-recovery";
    /** Wait while one ramp step is held and its quality readings are collected. */
    static final String RAMP_HOLD = "ramp-hold";

    private final ProviderOutageSettings settings;
    private final ProviderOutageSymptoms symptoms;
    private final ProviderOutageCommands commands;
    private final RampQuality quality;
    private final Detection detection;

    public ProviderOutageLadder(final Runbook runbook) {
        this.settings = runbook.providerOutage();
        this.symptoms = new ProviderOutageSymptoms(settings.detection());
        this.commands = new ProviderOutageCommands(settings);
        this.quality = new RampQuality(settings.baseline(), settings.steps().ramp().minSamples());
        this.detection = new Detection(settings.detection().threshold(), settings.detection().window());
    }

    @Override
    public Scenario scenario() {
        return Scenario.PROVIDER_OUTAGE;
    }

    @Override
    public String runbookKey() {
        return "providerOutage";
    }

    @Override
    public Detection detection() {
        return detection;
    }

    @Override
    public Optional<Symptom> detect(final Target target, final HealthEvent event, final TargetState state) {
        if (!target.component().equals(settings.component())) {
            return Optional.empty();
        }
        return symptoms.detect(event, state);
    }

    @Override
    public Decision open(final TrackedTarget tracked, final HealthEvent crossing, final Instant at) {
        final ActiveIncident incident = tracked.incident();
        final String provider = tracked.target().instance();
        if (crossing.getPayload() instanceof ProviderError error) {
            IncidentLadders.addEvidence(incident, List.of(ProviderOutageSymptoms.evidence(crossing, error)));
            if (ProviderOutageSymptoms.AUTH.equals(incident.getTrigger())) {
                return configurationFault(error);
            }
        }
        final ProviderOutageSettings.Backup backup = settings.backup();
        if (backup != null && !backup.provider().equals(provider)) {
            return Decision.issue(ProviderOutageStep.SWITCH_PROVIDER.stepName());
        }
        return Decision.issue(ProviderOutageStep.FALLBACK_MODE.stepName());
    }

    @Override
    public boolean mitigates(final String step) {
        final ProviderOutageStep kind = kindOf(step);
        return kind == ProviderOutageStep.SWITCH_PROVIDER || kind == ProviderOutageStep.FALLBACK_MODE;
    }

    @Override
    public boolean restoresService(final String step) {
        return ProviderOutageStep.rampPercent(step).filter(percent -> percent == 100).isPresent();
    }

    @Override
    public Decision succeeded(final TrackedTarget tracked, final String step, final Instant at) {
        final ActiveIncident incident = tracked.incident();
        return switch (kindOf(step)) {
            case SWITCH_PROVIDER -> {
                incident.setOnBackup(true);
                yield awaitRecovery(incident, at);
            }
            case FALLBACK_MODE -> Decision.issue(ProviderOutageStep.THROTTLE.stepName());
            case THROTTLE, ROLLBACK -> awaitRecovery(incident, at);
            case RAMP -> {
                RampQuality.reset(incident);
                // A symptom while the step ran is one at this percent, though no hold had started yet.
                final Instant lastSymptom = incident.getLastSymptomAt();
                if (lastSymptom != null && lastSymptom.isAfter(incident.getIssuedAt())) {
                    yield regressed(tracked, "provider failed again at " + currentPercent(incident)
                            + " % while traffic moved, last symptom at " + lastSymptom);
                }
                yield new Decision.Wait(RAMP_HOLD, at.plus(settings.steps().ramp().hold()));
            }
            case SWITCH_BACK -> {
                incident.setOnBackup(false);
                yield Decision.issue(ProviderOutageStep.RESTORE_NORMAL.stepName());
            }
            case RESTORE_NORMAL -> new Decision.Recover("traffic back to 100 % on " + tracked.target().instance()
                    + " with quality within the baseline at every ramp step"
                    + (incident.getRegressions() == 0 ? "" : ", after " + incident.getRegressions() + " rollback(s)"));
        };
    }

    @Override
    public Decision exhausted(final TrackedTarget tracked, final String step, final OutcomeStatus status,
                              final String detail, final Instant at) {
        if (kindOf(step) == ProviderOutageStep.SWITCH_PROVIDER) {
            // The backup could not take the traffic, so the local fallback is the remaining safe mode.
            return Decision.issue(ProviderOutageStep.FALLBACK_MODE.stepName());
        }
        return new Decision.Escalate(step + " failed after " + tracked.incident().getAttempt() + " attempt(s): "
                + detail);
    }

    @Override
    public Decision observed(final TrackedTarget tracked, final HealthEvent event, final Optional<Symptom> symptom) {
        final ActiveIncident incident = tracked.incident();
        if (incident.getState() != IncidentState.OPEN) {
            return Decision.stay();
        }
        final Object payload = event.getPayload();
        if (payload instanceof ProviderError error && symptom.isPresent()) {
            return onProviderError(tracked, event, error, symptom.get());
        }
        if (payload instanceof QualityReading reading && isHolding(incident, RAMP_HOLD)
                && servedBy(reading, tracked.target())) {
            final Optional<String> regression = quality.add(incident, reading);
            if (regression.isPresent()) {
                return regressed(tracked, "quality regressed at " + currentPercent(incident) + " %: "
                        + regression.get());
            }
        }
        return Decision.stay();
    }

    @Override
    public Decision waited(final TrackedTarget tracked, final Instant at) {
        final ActiveIncident incident = tracked.incident();
        if (AWAIT_RECOVERY.equals(incident.getPhase())) {
            if (!healthySince(incident, incident.getWaitStartedAt()).isAfter(at)) {
                incident.setRampIndex(0);
                return Decision.issue(rampStepName(incident));
            }
            final ProviderOutageSettings.AwaitRecovery await = settings.steps().awaitRecovery();
            return new Decision.Escalate(tracked.target().instance() + " was not free of symptoms for "
                    + readable(await.healthyFor()) + " within " + readable(await.maxWait()) + " of "
                    + incident.getWaitStartedAt() + "; last symptom at " + incident.getLastSymptomAt());
        }
        if (RAMP_HOLD.equals(incident.getPhase())) {
            return rampHoldEnded(tracked);
        }
        return ScenarioLadder.super.waited(tracked, at);
    }

    @Override
    public StepLimits limits(final String step) {
        return commands.limits(kindOf(step));
    }

    @Override
    public Object action(final String step, final TrackedTarget tracked) {
        return commands.action(kindOf(step), step, tracked.target());
    }

    // ---- decisions ----

    private Decision onProviderError(final TrackedTarget tracked, final HealthEvent event, final ProviderError error,
                                     final Symptom symptom) {
        final ActiveIncident incident = tracked.incident();
        if (ProviderOutageSymptoms.AUTH.equals(symptom.kind())) {
            IncidentLadders.addEvidence(incident, List.of(ProviderOutageSymptoms.evidence(event, error)));
            return configurationFault(error);
        }
        if (!ProviderOutageSymptoms.isProviderFailure(symptom.kind())) {
            return Decision.stay();
        }
        if (isHolding(incident, AWAIT_RECOVERY)) {
            // The symptom is folded already, so the healthy period now counts from it.
            return new Decision.Wait(AWAIT_RECOVERY, awaitUntil(incident, incident.getWaitStartedAt()));
        }
        if (isHolding(incident, RAMP_HOLD)) {
            IncidentLadders.addEvidence(incident, List.of(ProviderOutageSymptoms.evidence(event, error)));
            return regressed(tracked, "provider failed again at " + currentPercent(incident) + " %: "
                    + symptom.description());
        }
        return Decision.stay();
    }

    /**
     * Returns the API deployment: a rejected key usually follows a change of its credentials, and a failed ramp may
     * follow a change of its settings, so an escalation shows its recent rollouts.
     */
    @Override
    public Optional<WorkloadRef> workloadToReview(final TrackedTarget tracked) {
        return Optional.of(new WorkloadRef("Deployment", settings.api().deployment()));
    }

    private Decision configurationFault(final ProviderError error) {
        final ProviderOutageSettings.Api api = settings.api();
        return new Decision.Escalate("configuration fault, not an outage, so no failover: "
                + ProviderOutageSymptoms.describe(error) + "; check recent changes to the credentials of deployment "
                + api.deployment() + " and to its settings " + api.settingsName());
    }

    private Decision rampHoldEnded(final TrackedTarget tracked) {
        final ActiveIncident incident = tracked.incident();
        final int percent = currentPercent(incident);
        final String hold = quality.describeHold(incident);
        final RampQuality.Verdict verdict = quality.verdict(incident);
        if (verdict == RampQuality.Verdict.TOO_FEW_SAMPLES) {
            IncidentLadders.addEvidence(incident, List.of(qualityEvidence(tracked, percent, hold)));
            return new Decision.Escalate("quality unproven at " + percent + " %: " + hold);
        }
        if (verdict == RampQuality.Verdict.REGRESSED) {
            return regressed(tracked, "quality regressed at " + percent + " %: " + hold);
        }

        // Quality held at this step: the next percent, or the way back to normal after 100 %.
        final List<Integer> percents = settings.steps().ramp().percents();
        if (incident.getRampIndex() + 1 < percents.size()) {
            incident.setRampIndex(incident.getRampIndex() + 1);
            return Decision.issue(rampStepName(incident));
        }
        if (incident.getOnBackup()) {
            return Decision.issue(ProviderOutageStep.SWITCH_BACK.stepName());
        }
        return Decision.issue(ProviderOutageStep.RESTORE_NORMAL.stepName());
    }

    /** Counts a regression: rolls traffic back and waits for the provider again, or escalates past the limit. */
    private Decision regressed(final TrackedTarget tracked, final String reason) {
        final ActiveIncident incident = tracked.incident();
        final int percent = currentPercent(incident);
        IncidentLadders.addEvidence(incident, List.of(qualityEvidence(tracked, percent, reason + "; hold so far: "
                + quality.describeHold(incident))));
        incident.setRegressions(incident.getRegressions() + 1);
        final int allowed = settings.steps().ramp().maxRegressions();
        if (incident.getRegressions() > allowed) {
            return new Decision.Escalate(reason + "; " + incident.getRegressions() + " regression(s), more than the "
                    + allowed + " allowed");
        }
        incident.setRampIndex(0);
        return Decision.issue(ProviderOutageStep.rollbackStep(incident.getRegressions()));
    }

    private Decision awaitRecovery(final ActiveIncident incident, final Instant at) {
        // The engine starts a new wait at this decision's time, so the maximum counts from here.
        return new Decision.Wait(AWAIT_RECOVERY, awaitUntil(incident, at));
    }

    /** Returns when the wait for recovery ends: once healthy, or at its maximum, whichever comes first. */
    private Instant awaitUntil(final ActiveIncident incident, final Instant waitStartedAt) {
        final Instant healthy = healthySince(incident, waitStartedAt);
        final Instant maximum = waitStartedAt.plus(settings.steps().awaitRecovery().maxWait());
        final Instant until = healthy.isBefore(maximum) ? healthy : maximum;
        return until.isBefore(waitStartedAt) ? waitStartedAt : until;
    }

    /**
     * Returns when the provider counts as healthy if no further symptom arrives. After a rollback the
     * provider must be healthy for a whole period from the start of the new wait, because a regression of
     * quality alone leaves no symptom behind to count from.
     */
    private Instant healthySince(final ActiveIncident incident, final Instant waitStartedAt) {
        Instant last = incident.getLastSymptomAt() != null ? incident.getLastSymptomAt() : incident.getDetectedAt();
        if (incident.getRegressions() > 0 && waitStartedAt != null && waitStartedAt.isAfter(last)) {
            last = waitStartedAt;
        }
        return last.plus(settings.steps().awaitRecovery().healthyFor());
    }

    // ---- helpers ----

    private String rampStepName(final ActiveIncident incident) {
        return ProviderOutageStep.rampStep(currentPercent(incident), incident.getRegressions() + 1);
    }

    private int currentPercent(final ActiveIncident incident) {
        final List<Integer> percents = settings.steps().ramp().percents();
        return percents.get(Math.min(incident.getRampIndex(), percents.size() - 1));
    }

    /** Formats a duration the way the runbook writes it, for example 10m or 4h. */
    private static String readable(final Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static Evidence qualityEvidence(final TrackedTarget tracked, final int percent, final String text) {
        return new Evidence("quality", tracked.target() + " ramp at " + percent + " %", text, false);
    }

    private static boolean isHolding(final ActiveIncident incident, final String phase) {
        return !incident.getAwaitingOutcome() && phase.equals(incident.getPhase()) && incident.getWaitUntil() != null;
    }

    /** Returns whether a reading belongs to the target's provider. A reading that names no provider belongs to it. */
    private static boolean servedBy(final QualityReading reading, final Target target) {
        return reading.getProvider() == null || reading.getProvider().equals(target.instance());
    }

    private static ProviderOutageStep kindOf(final String step) {
        return ProviderOutageStep.byName(step)
                .orElseThrow(() -> new IllegalArgumentException("unknown provider-outage step " + step));
    }
}
