package io.ragreactor.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.ingress.PodStatusMapper;
import io.ragreactor.runbook.Runbook;
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
    private static final PodStatusMapper POD_STATUS_MAPPER = new PodStatusMapper(Runbook.defaults());

    private BootstrapEvents() {
    }

    /**
     * Reads a pod as {@code kubectl get pod -o json} prints it from the test resource {@code samples/<file>}
     * and maps it with the ingress's {@link PodStatusMapper} to a PodStatus event observed at {@code at}.
     */
    static HealthEvent podStatusFromSample(final String file, final Instant at) {
        return POD_STATUS_MAPPER.map(readSample(file), at);
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
}
