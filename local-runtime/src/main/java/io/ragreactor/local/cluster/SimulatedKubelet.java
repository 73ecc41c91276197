package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.seed.BlockedContainerSeed;
import io.ragreactor.local.seed.BootstrapSeed;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the kubelet for the pods of the simulated workloads. A pod becomes Running and Ready a delay after it is
 * first seen, unless its workload has a container that the seed blocks while the database schema is below the
 * required version. That container then fails at each start, and the pod shows CrashLoopBackOff and restarts
 * once per back-off. Once the schema reaches the required version, the next restart succeeds and the pod is
 * Ready a delay later.
 */
final class SimulatedKubelet {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);

    private final KubernetesClient client;
    private final Optional<BootstrapSeed> bootstrap;
    private final SchemaState schema;
    private final long readyDelayNanos;
    private final Duration backOff;
    private final Map<String, Long> readyDeadlines = new ConcurrentHashMap<>();
    private final Map<String, Long> restartDeadlines = new ConcurrentHashMap<>();

    SimulatedKubelet(final KubernetesClient client, final Optional<BootstrapSeed> bootstrap, final SchemaState schema,
            final SimulationTimings timings) {
        this.client = client;
        this.bootstrap = bootstrap;
        this.schema = schema;
        this.readyDelayNanos = timings.podReadyDelay().toNanos();
        this.backOff = timings.crashLoopBackOff();
    }

    /** Starts the ready delay of a pod a workload controller has just created. */
    void created(final Pod pod) {
        readyDeadlines.put(key(pod), System.nanoTime() + readyDelayNanos);
    }

    /** Moves the pod of the workload one step on when its delay or back-off has passed, and returns its latest state. */
    Pod advance(final Pod pod, final String workload) {
        if (pod.getMetadata().getDeletionTimestamp() != null || Pods.isReady(pod) || hasFinished(pod)) {
            return pod;
        }
        final String key = key(pod);
        final long now = System.nanoTime();
        final Optional<BlockedContainerSeed> blocked = bootstrap.flatMap(seed -> seed.blockedContainer(workload));

        // A crash-looping container is restarted once per back-off, and fails again while the schema is too old.
        if (blocked.isPresent() && PodStatuses.isCrashLooping(pod, blocked.get())) {
            final long restartAt = restartDeadlines.computeIfAbsent(key, k -> now + backOff.toNanos());
            if (now - restartAt < 0) {
                return pod;
            }
            if (schema.belowRequired()) {
                restartDeadlines.put(key, now + backOff.toNanos());
                LOG.debug("pod=[{}] container=[{}] restarted and failed again: schema version {} is below {}", key,
                        blocked.get().container(), schema.version(), schema.required());
                return write(pod, PodStatuses.crashLooping(pod, blocked.get(), backOff, Instant.now()));
            }
            restartDeadlines.remove(key);
            readyDeadlines.put(key, now + readyDelayNanos);
            LOG.info("pod=[{}] container=[{}] restarted with the schema at version {}, no longer failing", key,
                    blocked.get().container(), schema.version());
            return write(pod, PodStatuses.restarted(pod, blocked.get(), Instant.now()));
        }

        // Any other pod that is not Ready starts once its delay has passed.
        final Long readyAt = readyDeadlines.putIfAbsent(key, now + readyDelayNanos);
        if (readyAt == null || now - readyAt < 0) {
            return pod;
        }
        readyDeadlines.remove(key);
        if (blocked.isPresent() && schema.belowRequired()) {
            restartDeadlines.put(key, now + backOff.toNanos());
            LOG.info("pod=[{}] container=[{}] exited with code {}: schema version {} is below the required {};"
                    + " CrashLoopBackOff", key, blocked.get().container(), blocked.get().exitCode(), schema.version(),
                    schema.required());
            return write(pod, PodStatuses.crashLooping(pod, blocked.get(), backOff, Instant.now()));
        }
        LOG.info("pod=[{}] Running and Ready", key);
        return write(pod, PodStatuses.ready(pod, Instant.now()));
    }

    /** Forgets the delays of pods that no longer exist. */
    void forgetDeletedPods() {
        final Set<String> live = new HashSet<>();
        client.pods().inAnyNamespace().list().getItems().forEach(pod -> live.add(key(pod)));
        readyDeadlines.keySet().retainAll(live);
        restartDeadlines.keySet().retainAll(live);
    }

    private Pod write(final Pod pod, final PodStatus status) {
        return client.pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .editStatus(current -> new PodBuilder(current).withStatus(status).build());
    }

    private static boolean hasFinished(final Pod pod) {
        final String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    private static String key(final Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
