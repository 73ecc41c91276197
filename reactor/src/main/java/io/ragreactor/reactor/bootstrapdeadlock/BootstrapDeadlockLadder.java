package io.ragreactor.reactor.bootstrapdeadlock;

import io.ragreactor.reactor.incident.Decision;
import io.ragreactor.reactor.incident.IncidentLadders;
import io.ragreactor.reactor.incident.ScenarioLadder;
import io.ragreactor.reactor.incident.Symptom;
import io.ragreactor.reactor.incident.TrackedTarget;
import io.ragreactor.runbook.BootstrapDeadlockSettings;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Scenario C, bootstrap deadlock: a stack that cannot start. Symptoms are containers or init containers in
 * a crash loop, pods not Ready by their deadline, and log lines naming a circular dependency or a missing
 * migration. The target is the owning workload, so every pod of it folds into one incident. The ladder
 * inspects init containers and migration Jobs, runs the migrations in a controlled Job (when enabled),
 * starts the runbook's workloads in order, and when that fails scales them all down and starts them one
 * by one. Only workloads the runbook lists are started automatically; any other escalates at once.
 */
public final class BootstrapDeadlockLadder implements ScenarioLadder {

    /** Evidence kind of a symptom attached to the incident. */
    static final String SYMPTOM_EVIDENCE = "symptom";

    /**
     * Symptoms kept as evidence per incident. A crash-looping pod reports each restart, so without a bound
     * the symptoms would take the room that the evidence of failed steps needs.
     */
    static final int MAX_SYMPTOM_EVIDENCE = 8;

    private final BootstrapDeadlockSettings settings;
    private final BootstrapDeadlockCommands commands;
    private final BootstrapDeadlockSymptoms symptoms;
    private final Detection detection;

    public BootstrapDeadlockLadder(final Runbook runbook) {
        this.settings = runbook.bootstrapDeadlock();
        this.commands = new BootstrapDeadlockCommands(runbook);
        this.symptoms = new BootstrapDeadlockSymptoms(settings.detection());
        this.detection = new Detection(settings.detection().threshold(), settings.detection().window());
    }

    @Override
    public Scenario scenario() {
        return Scenario.BOOTSTRAP_DEADLOCK;
    }

    @Override
    public String runbookKey() {
        return "bootstrapDeadlock";
    }

    @Override
    public Detection detection() {
        return detection;
    }

    @Override
    public Optional<Symptom> detect(final Target target, final HealthEvent event, final TargetState state) {
        return symptoms.describe(event).map(finding -> Symptom.of(finding.kind(), finding.description()));
    }

    @Override
    public Decision open(final TrackedTarget tracked, final HealthEvent crossing, final Instant at) {
        final ActiveIncident incident = tracked.incident();
        BootstrapDeadlockSymptoms.workload(crossing).ifPresent(incident::setWorkload);
        BootstrapDeadlockSymptoms.revision(crossing).ifPresent(incident::setRevision);
        symptoms.describe(crossing).ifPresent(finding -> addSymptomEvidence(incident, finding));

        final Optional<BootstrapDeadlockSettings.Workload> listed = listedWorkload(tracked);
        if (listed.isEmpty()) {
            return new Decision.Escalate("workload " + describe(tracked) + " of component "
                    + tracked.target().component()
                    + " is not in the runbook's bootstrap workloads; no automatic start");
        }
        return Decision.issue(BootstrapDeadlockStep.INSPECT.stepName());
    }

    @Override
    public Decision observed(final TrackedTarget tracked, final HealthEvent event, final Optional<Symptom> symptom) {
        // Other pods and log lines of the workload are evidence for the human who may get this incident.
        if (symptom.isPresent()) {
            symptoms.describe(event).ifPresent(finding -> addSymptomEvidence(tracked.incident(), finding));
        }
        return Decision.stay();
    }

    @Override
    public Decision succeeded(final TrackedTarget tracked, final String step, final Instant at) {
        return switch (step(step)) {
            case INSPECT -> settings.steps().runMigrations().enabled()
                    ? Decision.issue(BootstrapDeadlockStep.RUN_MIGRATIONS.stepName())
                    : Decision.issue(BootstrapDeadlockStep.START_IN_ORDER.stepName());
            case RUN_MIGRATIONS -> Decision.issue(BootstrapDeadlockStep.START_IN_ORDER.stepName());
            case START_IN_ORDER -> new Decision.Recover("workloads " + startOrder() + " started in order and Ready");
            case RESTART_ONE_BY_ONE -> new Decision.Recover("workloads " + startOrder()
                    + " scaled down and started one by one, all Ready");
        };
    }

    @Override
    public Decision exhausted(final TrackedTarget tracked, final String step, final OutcomeStatus status,
                              final String detail, final Instant at) {
        final String failure = step + " failed after " + tracked.incident().getAttempt() + " attempt(s): " + detail;
        if (step(step) == BootstrapDeadlockStep.START_IN_ORDER) {
            if (settings.steps().restartOneByOne().enabled()) {
                return Decision.issue(BootstrapDeadlockStep.RESTART_ONE_BY_ONE.stepName());
            }
            return new Decision.Escalate(failure + "; restart one by one is disabled in the runbook");
        }
        return new Decision.Escalate(failure);
    }

    /** Returns the workload that does not start: a recent rollout of it is a likely cause of its crash loop. */
    @Override
    public Optional<WorkloadRef> workloadToReview(final TrackedTarget tracked) {
        return listedWorkload(tracked).map(workload -> new WorkloadRef(workload.kind(), workload.name()));
    }

    @Override
    public boolean collectsEvidence(final String step) {
        // The inspection's whole purpose is the init containers' and migration Jobs' logs.
        return step.equals(BootstrapDeadlockStep.INSPECT.stepName());
    }

    @Override
    public StepLimits limits(final String step) {
        return commands.limits(step(step));
    }

    @Override
    public Object action(final String step, final TrackedTarget tracked) {
        final BootstrapDeadlockSettings.Workload workload = listedWorkload(tracked).orElseThrow(
                () -> new IllegalStateException("workload " + describe(tracked) + " is not in the runbook's bootstrap"
                        + " workloads, so no step may be issued for it"));
        return commands.action(step(step), tracked.target().namespace(), workload);
    }

    /**
     * Returns the runbook's workload with the target's component and the incident's workload name, which
     * the first symptom named. The target's instance is used when no symptom named a workload.
     */
    private Optional<BootstrapDeadlockSettings.Workload> listedWorkload(final TrackedTarget tracked) {
        final WorkloadRef workload = tracked.incident().getWorkload();
        final String name = workload != null ? workload.getName() : tracked.target().instance();
        return settings.workload(tracked.target().component(), name);
    }

    private static String describe(final TrackedTarget tracked) {
        final WorkloadRef workload = tracked.incident().getWorkload();
        return workload == null ? tracked.target().instance() : workload.getKind() + "/" + workload.getName();
    }

    private String startOrder() {
        return String.join(", ", settings.workloads().stream().map(BootstrapDeadlockSettings.Workload::name).toList());
    }

    /** Adds the symptom as evidence unless the same symptom from the same source is there, within the bound. */
    private static void addSymptomEvidence(final ActiveIncident incident,
                                           final BootstrapDeadlockSymptoms.Finding finding) {
        int symptomEvidenceCount = 0;
        for (final Evidence evidence : incident.getEvidence()) {
            if (!evidence.getKind().equals(SYMPTOM_EVIDENCE)) {
                continue;
            }
            if (evidence.getSource().equals(finding.source()) && evidence.getText().startsWith(finding.kind() + ": ")) {
                return;
            }
            symptomEvidenceCount++;
        }
        if (symptomEvidenceCount < MAX_SYMPTOM_EVIDENCE) {
            IncidentLadders.addEvidence(incident, List.of(new Evidence(SYMPTOM_EVIDENCE, finding.source(),
                    finding.kind() + ": " + finding.description(), false)));
        }
    }

    private static BootstrapDeadlockStep step(final String name) {
        return BootstrapDeadlockStep.byName(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown bootstrap-deadlock step " + name));
    }
}
