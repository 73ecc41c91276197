package io.ragreactor.ingress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ragreactor.runbook.BootstrapDeadlockSettings;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.PodStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps a pod, as {@code kubectl get pod -o json} or the Kubernetes API returns it, to a {@link PodStatus}
 * event whose target is the pod's owning workload: {@code namespace/component/workload}. Every pod maps to an
 * event, healthy or not, because the reactor decides what is a symptom.
 */
public final class PodStatusMapper {

    /** Source name of the events. */
    public static final String SOURCE = "pod-watcher";

    /** JSON reader that fails on text after the first value, so two records run together are rejected. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Label whose value is the component of a workload the runbook does not list. */
    private static final String NAME_LABEL = "app.kubernetes.io/name";

    private static final String TEMPLATE_HASH_LABEL = "pod-template-hash";
    private static final String REVISION_HASH_LABEL = "controller-revision-hash";

    /** An owning workload, as {@link PodStatus} names it. */
    private record Owner(String kind, String name) {
    }

    private final List<BootstrapDeadlockSettings.Workload> workloads;

    public PodStatusMapper(final Runbook runbook) {
        this.workloads = runbook.bootstrapDeadlock().workloads();
    }

    /**
     * Maps the pod in {@code podJson} (one JSON object) observed at {@code observedAt}.
     *
     * @throws IllegalArgumentException when the text is not JSON or not a pod with a name, namespace and phase
     */
    public HealthEvent map(final String podJson, final Instant observedAt) {
        final JsonNode pod;
        try {
            pod = JSON.readTree(podJson);
        } catch (final JsonProcessingException e) {
            throw new IllegalArgumentException("pod is not JSON: " + e.getOriginalMessage(), e);
        }
        return map(pod, observedAt);
    }

    /**
     * Maps {@code pod} observed at {@code observedAt}, the time the watcher received it, since a pod carries
     * no single observation time of its own. The event id is derived from the pod's identity, its
     * resourceVersion, the observation time and the mapped status, so the same pod state observed at the
     * same time always gets the same id.
     *
     * @throws IllegalArgumentException when {@code pod} is not a pod with a name, namespace and phase
     */
    public HealthEvent map(final JsonNode pod, final Instant observedAt) {
        Objects.requireNonNull(observedAt, "observedAt");
        if (pod == null || !pod.isObject()) {
            throw new IllegalArgumentException("pod is not a JSON object");
        }
        if (pod.has("kind") && !pod.path("kind").asText().equals("Pod")) {
            throw new IllegalArgumentException("expected an object of kind Pod, got kind '" + pod.path("kind").asText()
                    + "'. Map each item of a list on its own.");
        }
        final JsonNode metadata = pod.path("metadata");
        final String podName = requiredText(metadata, "name", "metadata.name");
        final String namespace = requiredText(metadata, "namespace", "metadata.namespace");
        final JsonNode status = pod.path("status");
        final String phase = requiredText(status, "phase", "status.phase of pod " + namespace + "/" + podName);
        final JsonNode labels = metadata.path("labels");

        // The owning workload and the pod's state.
        final Owner owner = owner(podName, metadata.path("ownerReferences"), labels);
        final PodStatus payload = PodStatus.newBuilder()
                .setPodName(podName)
                .setPhase(phase)
                .setReady(isReady(status))
                .setContainers(containerStates(status.path("containerStatuses")))
                .setInitContainers(containerStates(status.path("initContainerStatuses")))
                .setWorkloadKind(owner.kind())
                .setWorkloadName(owner.name())
                .setRevision(revision(labels))
                .build();

        // The target: a listed workload's component, else the pod's name label, else the workload's name.
        final String component = listedComponent(owner).orElseGet(() -> unlistedComponent(owner, labels));
        final String target = namespace + "/" + component + "/" + owner.name();
        final String identity = namespace + "/" + podName + "|" + metadata.path("uid").asText("") + "|"
                + metadata.path("resourceVersion").asText("") + "|" + observedAt.toEpochMilli() + "|" + payload;
        return HealthEvent.newBuilder()
                .setEventId(EventIds.fromContent(SOURCE, identity))
                .setObservedAt(observedAt)
                .setTarget(target)
                .setSource(SOURCE)
                .setPayload(payload)
                .build();
    }

    /**
     * Returns the pod's workload: the owner reference marked as controller, except that a ReplicaSet named
     * {@code <deployment>-<pod-template-hash>} is replaced by its Deployment. A pod without a controller is its
     * own workload, of kind Pod.
     */
    private static Owner owner(final String podName, final JsonNode ownerReferences, final JsonNode labels) {
        for (final JsonNode reference : ownerReferences) {
            if (!reference.path("controller").asBoolean(false)) {
                continue;
            }
            final String kind = requiredText(reference, "kind", "kind of the controller reference of pod " + podName);
            final String name = requiredText(reference, "name", "name of the controller reference of pod " + podName);
            final String hashSuffix = "-" + labels.path(TEMPLATE_HASH_LABEL).asText("");
            if (kind.equals("ReplicaSet") && labels.hasNonNull(TEMPLATE_HASH_LABEL) && name.endsWith(hashSuffix)
                    && name.length() > hashSuffix.length()) {
                return new Owner("Deployment", name.substring(0, name.length() - hashSuffix.length()));
            }
            return new Owner(kind, name);
        }
        return new Owner("Pod", podName);
    }

    /** Returns the component of the runbook's bootstrap workload with the owner's kind and name, if listed. */
    private Optional<String> listedComponent(final Owner owner) {
        return workloads.stream()
                .filter(workload -> workload.kind().equals(owner.kind()) && workload.name().equals(owner.name()))
                .map(BootstrapDeadlockSettings.Workload::component)
                .findFirst();
    }

    /** Returns the component of a workload the runbook does not list: its pods' name label, else its own name. */
    private static String unlistedComponent(final Owner owner, final JsonNode labels) {
        final String nameLabel = labels.path(NAME_LABEL).asText("");
        return nameLabel.isBlank() ? owner.name() : nameLabel;
    }

    /** Returns the revision from the pod-template-hash (Deployment) or controller-revision-hash (StatefulSet) label. */
    private static String revision(final JsonNode labels) {
        if (labels.hasNonNull(TEMPLATE_HASH_LABEL)) {
            return labels.path(TEMPLATE_HASH_LABEL).asText();
        }
        if (labels.hasNonNull(REVISION_HASH_LABEL)) {
            return labels.path(REVISION_HASH_LABEL).asText();
        }
        return null;
    }

    private static boolean isReady(final JsonNode status) {
        for (final JsonNode condition : status.path("conditions")) {
            if (condition.path("type").asText().equals("Ready")) {
                return condition.path("status").asText().equals("True");
            }
        }
        return false;
    }

    /** Maps container statuses. The exit code and reason come from the current termination, else the last one. */
    private static List<ContainerState> containerStates(final JsonNode statuses) {
        final List<ContainerState> states = new ArrayList<>();
        for (final JsonNode status : statuses) {
            final JsonNode waiting = status.path("state").path("waiting");
            final JsonNode terminated = status.path("state").has("terminated") ? status.path("state").path("terminated")
                    : status.path("lastState").path("terminated");
            states.add(ContainerState.newBuilder()
                    .setName(status.path("name").asText())
                    .setReady(status.path("ready").asBoolean(false))
                    .setRestartCount(status.path("restartCount").asInt(0))
                    .setWaitingReason(waiting.hasNonNull("reason") ? waiting.path("reason").asText() : null)
                    .setTerminatedReason(terminated.hasNonNull("reason") ? terminated.path("reason").asText() : null)
                    .setExitCode(terminated.hasNonNull("exitCode") ? terminated.path("exitCode").asInt() : null)
                    .build());
        }
        return states;
    }

    private static String requiredText(final JsonNode node, final String field, final String description) {
        final JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new IllegalArgumentException(description + " is missing or not a non-blank string: " + value);
        }
        return value.asText();
    }
}
