package io.ragreactor.actuators.start;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.util.HashMap;
import java.util.Map;

/**
 * The fields of a Deployment or StatefulSet that the ordered start reads: its desired and ready replicas, whether the
 * controller has seen the latest spec, its annotations and pod selector, and a failed rollout if one is reported.
 *
 * @param resource the workload as {@code deployments/<namespace>/<name>} or {@code statefulsets/<namespace>/<name>}
 * @param specReplicas the desired replica count; Kubernetes defaults a missing count to 1
 * @param readyReplicas the replicas whose pods are Ready
 * @param generation the spec generation, or null when the API server did not set one
 * @param observedGeneration the generation the controller last acted on, or null before it acted
 * @param rolloutFailure the reason and message of a failed rollout, or null
 */
record WorkloadState(String resource, int specReplicas, int readyReplicas, Long generation, Long observedGeneration,
                     Map<String, String> annotations, LabelSelector selector, String rolloutFailure) {

    WorkloadState {
        final Map<String, String> present = new HashMap<>();
        if (annotations != null) {
            // A JSON merge patch removes a key by setting it to null, so a store that keeps the null value means "absent".
            annotations.forEach((key, value) -> {
                if (value != null) {
                    present.put(key, value);
                }
            });
        }
        annotations = Map.copyOf(present);
    }

    static WorkloadState of(final Deployment deployment, final String resource) {
        final DeploymentSpec spec = deployment.getSpec();
        final DeploymentStatus status = deployment.getStatus();
        String failure = null;
        if (status != null && status.getConditions() != null) {
            for (final DeploymentCondition condition : status.getConditions()) {
                // The Deployment controller reports a rollout that stopped progressing this way.
                if ("Progressing".equals(condition.getType()) && "False".equals(condition.getStatus())
                        && "ProgressDeadlineExceeded".equals(condition.getReason())) {
                    failure = condition.getReason() + ": " + condition.getMessage();
                }
            }
        }
        return new WorkloadState(resource, replicasOf(spec == null ? null : spec.getReplicas()),
                status == null || status.getReadyReplicas() == null ? 0 : status.getReadyReplicas(),
                generationOf(deployment.getMetadata()), status == null ? null : status.getObservedGeneration(),
                deployment.getMetadata().getAnnotations(), spec == null ? null : spec.getSelector(), failure);
    }

    static WorkloadState of(final StatefulSet statefulSet, final String resource) {
        final StatefulSetSpec spec = statefulSet.getSpec();
        final StatefulSetStatus status = statefulSet.getStatus();
        return new WorkloadState(resource, replicasOf(spec == null ? null : spec.getReplicas()),
                status == null || status.getReadyReplicas() == null ? 0 : status.getReadyReplicas(),
                generationOf(statefulSet.getMetadata()), status == null ? null : status.getObservedGeneration(),
                statefulSet.getMetadata().getAnnotations(), spec == null ? null : spec.getSelector(), null);
    }

    /** Returns whether the controller has acted on the latest spec and every desired replica is Ready. */
    boolean isReady() {
        final boolean observed = generation == null
                || observedGeneration != null && observedGeneration >= generation;
        return observed && specReplicas > 0 && readyReplicas == specReplicas;
    }

    /** Returns whether the failed rollout, if any, belongs to the latest spec rather than an older one. */
    boolean rolloutFailed() {
        return rolloutFailure != null && generation != null && observedGeneration != null
                && observedGeneration >= generation;
    }

    String describe() {
        return "readyReplicas " + readyReplicas + " of " + specReplicas + ", observedGeneration "
                + (observedGeneration == null ? "none" : observedGeneration) + " of "
                + (generation == null ? "unknown" : generation);
    }

    private static int replicasOf(final Integer replicas) {
        return replicas == null ? 1 : replicas;
    }

    private static Long generationOf(final ObjectMeta metadata) {
        return metadata == null ? null : metadata.getGeneration();
    }
}
