package io.ragreactor.actuators.settings;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import io.ragreactor.schemas.common.Evidence;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a Deployment's rollout by polling its status until the controller has observed the latest spec and
 * every desired replica is updated and available, the rollout fails, or the deadline passes.
 */
public final class DeploymentRollout {

    /** Reason the Deployment controller sets on the Progressing condition when a rollout stopped making progress. */
    static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentRollout.class);

    private final KubernetesClient client;

    public DeploymentRollout(final KubernetesClient client) {
        this.client = client;
    }

    /**
     * Polls the Deployment until its rollout is complete and returns the last observed state. Throws
     * {@link StepFailure} with DEADLINE_PASSED when the deadline passes first, WORKLOAD_NOT_READY when the
     * rollout failed or the Deployment is paused, and NOT_FOUND when the Deployment disappears.
     */
    public String await(final String namespace, final String name, final Deadline deadline,
                        final ExecutionContext context, final List<Evidence> evidence) {
        final String resource = "deployments/" + namespace + "/" + name;
        int polls = 0;
        String lastState = "not read yet";
        try {
            while (true) {
                final Deployment deployment;
                try {
                    deployment = client.apps().deployments().inNamespace(namespace).withName(name).get();
                } catch (final KubernetesClientException e) {
                    // A failed read while waiting is retried until the deadline; the API server may be restarting.
                    lastState = "read failed: HTTP " + e.getCode();
                    LOG.warn("Reading the Deployment failed, retrying: deployment=[{}] code=[{}] {}", resource,
                            e.getCode(), context);
                    checkDeadline(deadline, resource, lastState, evidence);
                    deadline.sleep(context.pollInterval());
                    continue;
                }
                polls++;
                if (deployment == null) {
                    throw new StepFailure(OutcomeReason.NOT_FOUND, resource + " disappeared while waiting for its"
                            + " rollout", evidence);
                }
                final RolloutState state = RolloutState.of(deployment);
                lastState = state.text();
                if (state.complete()) {
                    LOG.info("Rollout complete: deployment=[{}] state=[{}] {}", resource, lastState, context);
                    evidence.add(Evidences.of("rollout", resource, lastState));
                    return lastState;
                }
                if (state.failure() != null) {
                    evidence.add(Evidences.of("rollout", resource, lastState));
                    throw new StepFailure(OutcomeReason.WORKLOAD_NOT_READY, "rollout of " + resource + " failed: "
                            + state.failure(), evidence);
                }
                checkDeadline(deadline, resource, lastState, evidence);
                deadline.sleep(context.pollInterval());
            }
        } finally {
            context.recordCall("GET " + resource + " (polled " + polls + " times, last state: " + lastState + ")");
        }
    }

    private static void checkDeadline(final Deadline deadline, final String resource, final String lastState,
                                      final List<Evidence> evidence) {
        if (deadline.passed()) {
            evidence.add(Evidences.of("rollout", resource, lastState));
            throw new StepFailure(OutcomeReason.DEADLINE_PASSED, "rollout of " + resource + " did not complete before "
                    + deadline.at() + "; last state: " + lastState, evidence);
        }
    }

    /**
     * A Deployment's rollout as its status shows it. Complete means the controller observed the current
     * generation, every desired replica runs the current template and is available, and no old replica is left.
     */
    record RolloutState(boolean complete, String failure, String text) {

        static RolloutState of(final Deployment deployment) {
            final long generation = orZero(deployment.getMetadata().getGeneration());
            final int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
            final DeploymentStatus status = deployment.getStatus() == null ? new DeploymentStatus()
                    : deployment.getStatus();
            final long observed = orZero(status.getObservedGeneration());
            final int replicas = orZero(status.getReplicas());
            final int updated = orZero(status.getUpdatedReplicas());
            final int ready = orZero(status.getReadyReplicas());
            final int available = orZero(status.getAvailableReplicas());
            final String counts = "generation=" + generation + " observedGeneration=" + observed + " desired=" + desired
                    + " replicas=" + replicas + " updated=" + updated + " ready=" + ready + " available=" + available;

            // A status older than the spec says nothing about the change, so judge it only once it is observed.
            final boolean observedCurrent = observed >= generation;
            if (observedCurrent && updated == desired && available == desired && replicas == updated) {
                return new RolloutState(true, null, counts + " (rolled out)");
            }
            if (Boolean.TRUE.equals(deployment.getSpec().getPaused())) {
                return new RolloutState(false, "the Deployment is paused, so the change does not roll out",
                        counts + " (paused)");
            }
            final DeploymentCondition stalled = observedCurrent ? progressDeadlineExceeded(status) : null;
            if (stalled != null) {
                return new RolloutState(false, PROGRESS_DEADLINE_EXCEEDED
                        + (stalled.getMessage() == null ? "" : ": " + stalled.getMessage()),
                        counts + " (" + PROGRESS_DEADLINE_EXCEEDED + ")");
            }
            return new RolloutState(false, null, counts + (observedCurrent ? " (rolling out)" : " (not observed yet)"));
        }

        private static DeploymentCondition progressDeadlineExceeded(final DeploymentStatus status) {
            if (status.getConditions() == null) {
                return null;
            }
            return status.getConditions().stream()
                    .filter(c -> "Progressing".equals(c.getType()) && PROGRESS_DEADLINE_EXCEEDED.equals(c.getReason()))
                    .findFirst()
                    .orElse(null);
        }

        private static long orZero(final Long value) {
            return value == null ? 0 : value;
        }

        private static int orZero(final Integer value) {
            return value == null ? 0 : value;
        }
    }
}
