package io.ragreactor.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.LogLine;
import io.ragreactor.schemas.health.PodStatus;
import io.ragreactor.schemas.health.ReadinessDeadlineMissed;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builders of pod-level health events (pod status, missed readiness, log lines) for bootstrap-deadlock tests. */
final class BootstrapEvents {

    static final String GENERATOR = "rag-prod/generator/generator";
    static final String INDEXER = "rag-prod/indexer/indexer";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME_LABEL = "app.kubernetes.io/name";
    private static final String TEMPLATE_HASH_LABEL = "pod-template-hash";
    private static final String REVISION_HASH_LABEL = "controller-revision-hash";

    private BootstrapEvents() {
    }

    /**
     * Reads a pod as {@code kubectl get pod -o json} prints it from the test resource {@code samples/<file>}
     * and turns it into a PodStatus event for its owning workload, observed at {@code at}.
     */
    static HealthEvent podStatusFromSample(final String file, final Instant at) {
        // TODO(#5): the pod watcher owns this mapping; it lives here until the watcher exists.
        final JsonNode pod = readSample(file);
        final JsonNode metadata = pod.path("metadata");
        final JsonNode labels = metadata.path("labels");
        final String podName = metadata.path("name").asText();

        // The owner that controls the pod is its workload, except that a ReplicaSet's pod belongs to its Deployment.
        String workloadKind = "Pod";
        String workloadName = podName;
        for (final JsonNode owner : metadata.path("ownerReferences")) {
            if (!owner.path("controller").asBoolean(false)) {
                continue;
            }
            final String kind = owner.path("kind").asText();
            final String name = owner.path("name").asText();
            final String hashSuffix = "-" + labels.path(TEMPLATE_HASH_LABEL).asText("");
            if (kind.equals("ReplicaSet") && labels.has(TEMPLATE_HASH_LABEL) && name.endsWith(hashSuffix)) {
                workloadKind = "Deployment";
                workloadName = name.substring(0, name.length() - hashSuffix.length());
            } else {
                workloadKind = kind;
                workloadName = name;
            }
        }
        final String revision = labels.has(TEMPLATE_HASH_LABEL) ? labels.path(TEMPLATE_HASH_LABEL).asText()
                : labels.has(REVISION_HASH_LABEL) ? labels.path(REVISION_HASH_LABEL).asText() : null;

        final JsonNode status = pod.path("status");
        final PodStatus payload = PodStatus.newBuilder()
                .setPodName(podName)
                .setPhase(status.path("phase").asText())
                .setReady(isReady(status))
                .setContainers(containerStates(status.path("containerStatuses")))
                .setInitContainers(containerStates(status.path("initContainerStatuses")))
                .setWorkloadKind(workloadKind)
                .setWorkloadName(workloadName)
                .setRevision(revision)
                .build();
        final String target = metadata.path("namespace").asText() + "/" + labels.path(NAME_LABEL).asText() + "/"
                + workloadName;
        return Events.event(target, at, "pod-watcher", payload);
    }

    /** Builds the status of a Deployment's pod whose single container waits in CrashLoopBackOff. */
    static HealthEvent crashLoop(final String target, final String podName, final String revision, final Instant at) {
        final String workload = target.substring(target.lastIndexOf('/') + 1);
        final ContainerState container = ContainerState.newBuilder()
                .setName(workload)
                .setReady(false)
                .setRestartCount(5)
                .setWaitingReason("CrashLoopBackOff")
                .setTerminatedReason("Error")
                .setExitCode(1)
                .build();
        return Events.event(target, at, "pod-watcher", PodStatus.newBuilder()
                .setPodName(podName)
                .setPhase("Running")
                .setReady(false)
                .setContainers(new ArrayList<>(List.of(container)))
                .setInitContainers(new ArrayList<>())
                .setWorkloadKind("Deployment")
                .setWorkloadName(workload)
                .setRevision(revision)
                .build());
    }

    /** Builds a log line of {@code container} in a pod of a StatefulSet named like the target's instance. */
    static HealthEvent logLine(final String target, final String podName, final String container, final String line,
                               final Instant at) {
        final String workload = target.substring(target.lastIndexOf('/') + 1);
        return Events.event(target, at, "log-forwarder",
                new LogLine(podName, container, "StatefulSet", workload, null, line));
    }

    /** Builds a missed readiness deadline of a Deployment's pod created {@code deadlineSeconds} before {@code at}. */
    static HealthEvent readinessMissed(final String target, final String podName, final long deadlineSeconds,
                                       final Instant at) {
        final String workload = target.substring(target.lastIndexOf('/') + 1);
        return Events.event(target, at, "pod-watcher", new ReadinessDeadlineMissed(podName, "Deployment", workload,
                null, at.minusSeconds(deadlineSeconds), deadlineSeconds));
    }

    private static JsonNode readSample(final String file) {
        try (InputStream in = BootstrapEvents.class.getResourceAsStream("samples/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("test resource samples/" + file + " not found");
            }
            return JSON.readTree(in);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isReady(final JsonNode status) {
        for (final JsonNode condition : status.path("conditions")) {
            if (condition.path("type").asText().equals("Ready")) {
                return condition.path("status").asText().equals("True");
            }
        }
        return false;
    }

    /** Maps container statuses; exit code and reason come from the current termination, else the last one. */
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
                    .setWaitingReason(waiting.has("reason") ? waiting.path("reason").asText() : null)
                    .setTerminatedReason(terminated.has("reason") ? terminated.path("reason").asText() : null)
                    .setExitCode(terminated.has("exitCode") ? terminated.path("exitCode").asInt() : null)
                    .build());
        }
        return states;
    }
}
