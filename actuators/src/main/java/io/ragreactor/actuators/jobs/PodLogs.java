package io.ragreactor.actuators.jobs;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.Loggable;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.kubernetes.PodReadiness;
import io.ragreactor.schemas.common.Evidence;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the tail of a container's log, bounded in bytes, and describes container states, for evidence. A log
 * that cannot be read becomes evidence with the reason, because evidence collection must not fail a step.
 */
public final class PodLogs {

    /** Label the Job controller sets on every pod of a Job, with the Job's name as value. */
    public static final String JOB_NAME_LABEL = "job-name";
    /** Lines requested from the API server, so a long log is not transferred whole before it is cut. */
    static final int TAIL_LINES = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(PodLogs.class);
    private static final int READ_CHUNK = 8192;

    private final KubernetesClient client;

    public PodLogs(final KubernetesClient client) {
        this.client = client;
    }

    /**
     * A log tail as evidence, and whether the API returned the log. When it did not, the evidence contains the
     * reason.
     */
    public record LogTail(Evidence evidence, boolean available) {
    }

    /**
     * Returns the last {@code maxBytes} bytes of a container's log as evidence of kind {@code log}. With
     * {@code previous} it reads the previous terminated instance of the container.
     */
    public LogTail tail(final String namespace, final String pod, final String container, final boolean previous,
                        final int maxBytes) {
        final String source = "pods/" + namespace + "/" + pod + "/" + container + (previous ? " (previous)" : "");
        final ContainerResource resource = client.pods().inNamespace(namespace).withName(pod).inContainer(container);
        final Loggable loggable = previous ? resource.terminated().tailingLines(TAIL_LINES)
                : resource.tailingLines(TAIL_LINES);
        try (InputStream log = loggable.getLogInputStream()) {
            return new LogTail(lastBytes(log, maxBytes, source), true);
        } catch (final KubernetesClientException e) {
            LOG.warn("Reading a container log failed: source=[{}] code=[{}] message=[{}]", source, e.getCode(),
                    e.getMessage());
            return new LogTail(Evidences.of("log", source, "log not available: HTTP " + e.getCode() + " "
                    + e.getMessage()), false);
        } catch (final IOException | UncheckedIOException e) {
            LOG.warn("Reading a container log failed: source=[{}] message=[{}]", source, e.getMessage());
            return new LogTail(Evidences.of("log", source, "log not available: " + e.getMessage()), false);
        }
    }

    /** Returns the newest pod of a Job by creation time, found through the label the Job controller sets. */
    public Optional<Pod> newestPodOfJob(final String namespace, final String jobName) {
        return client.pods().inNamespace(namespace).withLabel(JOB_NAME_LABEL, jobName).list().getItems().stream()
                .max(Comparator.comparing(PodReadiness::createdAt).thenComparing(p -> p.getMetadata().getName()));
    }

    /** Describes one container's status: state, restart count and last termination, on one line. */
    public static String describe(final ContainerStatus status) {
        final StringBuilder text = new StringBuilder(status.getName()).append(": ")
                .append(describe(status.getState()))
                .append(", restarts=").append(status.getRestartCount() == null ? 0 : status.getRestartCount());
        final ContainerState last = status.getLastState();
        if (last != null && last.getTerminated() != null) {
            text.append(", last ").append(describe(last));
        }
        return text.toString();
    }

    /** Returns the name of a pod's first container, or null when its spec lists none. */
    static String firstContainer(final Pod pod) {
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null || pod.getSpec().getContainers().isEmpty()) {
            return null;
        }
        return pod.getSpec().getContainers().get(0).getName();
    }

    /**
     * Returns the statuses of a pod's init containers or of its containers, and an empty list when the pod has no
     * status.
     */
    public static List<ContainerStatus> statuses(final Pod pod, final boolean init) {
        if (pod.getStatus() == null) {
            return List.of();
        }
        final List<ContainerStatus> statuses = init ? pod.getStatus().getInitContainerStatuses()
                : pod.getStatus().getContainerStatuses();
        return statuses == null ? List.of() : statuses;
    }

    private static String describe(final ContainerState state) {
        if (state == null) {
            return "no state";
        }
        if (state.getWaiting() != null) {
            return "waiting reason=" + state.getWaiting().getReason();
        }
        if (state.getTerminated() != null) {
            final ContainerStateTerminated terminated = state.getTerminated();
            return "terminated reason=" + terminated.getReason() + " exitCode=" + terminated.getExitCode();
        }
        if (state.getRunning() != null) {
            return "running";
        }
        return "no state";
    }

    /** Keeps the last {@code maxBytes} bytes of {@code log}, so memory stays bounded however long the log is. */
    private static Evidence lastBytes(final InputStream log, final int maxBytes, final String source)
            throws IOException {
        final byte[] window = new byte[2 * maxBytes + READ_CHUNK];
        int length = 0;
        long total = 0;
        final byte[] chunk = new byte[READ_CHUNK];
        int read;
        while ((read = log.read(chunk)) >= 0) {
            total += read;
            if (length + read > window.length) {
                // Keep only the last maxBytes bytes read so far before appending the chunk.
                final int keep = Math.min(length, maxBytes);
                System.arraycopy(window, length - keep, window, 0, keep);
                length = keep;
            }
            System.arraycopy(chunk, 0, window, length, read);
            length += read;
        }
        final int start = Math.max(0, length - maxBytes);
        int first = start;
        if (start > 0) {
            // Skip UTF-8 continuation bytes, so the tail does not start in the middle of a character.
            while (first < length && (window[first] & 0xC0) == 0x80) {
                first++;
            }
        }
        return Evidence.newBuilder()
                .setKind("log")
                .setSource(source)
                .setText(new String(window, first, length - first, StandardCharsets.UTF_8))
                .setTruncated(total > length - start)
                .build();
    }
}
