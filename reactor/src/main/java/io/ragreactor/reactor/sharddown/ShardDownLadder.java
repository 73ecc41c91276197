package io.ragreactor.reactor.sharddown;

import io.ragreactor.reactor.incident.Decision;
import io.ragreactor.reactor.incident.ScenarioLadder;
import io.ragreactor.reactor.incident.Symptom;
import io.ragreactor.reactor.incident.TrackedTarget;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Scenario A, vectorstore shard down or index corrupt. Symptoms are golden queries that fail the golden
 * set's pass rule, index IO or checksum errors, and status reports of a degraded or unavailable shard or
 * of a document count below the last healthy one. The ladder is mark unhealthy, route to a healthy
 * replica (when the blast-radius budget found one), reopen, restore (only when the reopen failed),
 * validate with golden queries pinned to the shard, and reintroduce. After a restore, a reindex of the
 * documents written since the snapshot follows, tracked to its end. While the
 * shard's document count is intact (within the runbook's tolerance of its last healthy count), a failed
 * reopen escalates instead of restoring, because a restore would drop the documents written since the
 * snapshot.
 */
public final class ShardDownLadder implements ScenarioLadder {

    private final ShardDownSettings settings;
    private final ShardDownCommands commands;
    private final ShardDownSymptoms symptoms;
    private final Detection detection;

    public ShardDownLadder(final Runbook runbook) {
        this.settings = runbook.shardDown();
        this.commands = new ShardDownCommands(runbook);
        this.symptoms = new ShardDownSymptoms(settings.steps().validate().goldenSet(),
                settings.detection().documentCountTolerance());
        this.detection = new Detection(settings.detection().threshold(), settings.detection().window());
    }

    @Override
    public Scenario scenario() {
        return Scenario.SHARD_DOWN;
    }

    @Override
    public String runbookKey() {
        return "shardDown";
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
        final Optional<String> symptom = symptoms.describe(event, state.getHealthyDocumentCount());
        // A report without a count (one derived from an alert) leaves the known counts as they are.
        if (event.getPayload() instanceof ShardStatus status && status.getDocumentCount() != null) {
            state.setLatestDocumentCount(status.getDocumentCount());
            // Only a report from a healthy shard outside any incident sets the baseline of an intact index.
            if (symptom.isEmpty() && state.getIncident() == null && status.getReportedHealth() == ShardHealth.HEALTHY) {
                state.setHealthyDocumentCount(status.getDocumentCount());
            }
        }
        return symptom.map(description -> Symptom.of("shard-down", description));
    }

    @Override
    public Decision open(final TrackedTarget tracked, final HealthEvent crossing, final Instant at) {
        return new Decision.Issue(ShardDownStep.MARK_UNHEALTHY.stepName());
    }

    @Override
    public Decision succeeded(final TrackedTarget tracked, final String step, final Instant at) {
        if (step.equals(ShardDownStep.MARK_UNHEALTHY.stepName()) && tracked.incident().getReplica() != null) {
            return new Decision.Issue(ShardDownStep.ROUTE_TO_REPLICA.stepName());
        }
        final Optional<ShardDownStep> next = ShardDownStep.byName(step).flatMap(ShardDownStep::next);
        if (next.isPresent()) {
            return new Decision.Issue(next.get().stepName());
        }
        if (step.equals(ShardDownStep.REINTRODUCE.stepName()) && restored(tracked.incident())
                && settings.steps().reindex().enabled()) {
            // A snapshot lacks the documents written after it was taken; the shard serves meanwhile.
            return new Decision.Issue(ShardDownStep.REINDEX.stepName());
        }
        return new Decision.Recover(step.equals(ShardDownStep.REINDEX.stepName())
                ? "shard reintroduced after validation, and the documents written since its snapshot reindexed"
                : "shard reintroduced after validation");
    }

    @Override
    public boolean marksShard() {
        return true;
    }

    @Override
    public List<String> replicaGroup(final Target target) {
        return settings.replicas().replicasOf(target.instance());
    }

    @Override
    public boolean mitigates(final String step) {
        return step.equals(ShardDownStep.MARK_UNHEALTHY.stepName());
    }

    @Override
    public boolean restoresService(final String step) {
        return step.equals(ShardDownStep.REINTRODUCE.stepName());
    }

    @Override
    public Decision exhausted(final TrackedTarget tracked, final String step, final OutcomeStatus status,
                              final String detail, final Instant at) {
        final TargetState state = tracked.state();
        if (step.equals(ShardDownStep.REOPEN.stepName()) && documentCountIntact(state)) {
            return new Decision.Escalate("reopen failed while the shard reports " + state.getLatestDocumentCount()
                    + " documents, within the tolerance of its last healthy count " + state.getHealthyDocumentCount()
                    + ", so its index is not restored: " + detail);
        }
        if (step.equals(ShardDownStep.REOPEN.stepName())) {
            return new Decision.Issue(ShardDownStep.RESTORE.stepName());
        }
        if (step.equals(ShardDownStep.ROUTE_TO_REPLICA.stepName())) {
            // The shard stays marked, so the retriever skips it either way: the repair goes on.
            return new Decision.Issue(ShardDownStep.REOPEN.stepName());
        }
        return new Decision.Escalate(step + " failed after " + tracked.incident().getAttempt() + " attempt(s): " + detail);
    }

    @Override
    public StepLimits limits(final String step) {
        return commands.limits(step(step));
    }

    @Override
    public Object action(final String step, final TrackedTarget tracked) {
        if (step.equals(ShardDownStep.ROUTE_TO_REPLICA.stepName())) {
            return commands.routeToReplica(tracked.target(), tracked.incident().getReplica());
        }
        return commands.action(step(step), tracked.target(), tracked.incident().getFirstSymptomAt());
    }

    private static boolean restored(final ActiveIncident incident) {
        return incident.getSteps().stream().anyMatch(record -> record.getStep().equals(ShardDownStep.RESTORE.stepName())
                && OutcomeStatus.SUCCEEDED.name().equals(record.getStatus()));
    }

    /** Returns whether the shard's latest document count is within the tolerance of its last healthy count. */
    private boolean documentCountIntact(final TargetState state) {
        return state.getHealthyDocumentCount() != null && state.getLatestDocumentCount() != null
                && symptoms.isIntact(state.getLatestDocumentCount(), state.getHealthyDocumentCount());
    }

    private static ShardDownStep step(final String name) {
        return ShardDownStep.byName(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown shard-down step " + name));
    }
}
