package io.ragreactor.podwatcher;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.ragreactor.ingress.PodStatusMapper;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.PodStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the pods of one namespace with a fabric8 informer and passes {@link PodStatus} events, mapped by the
 * ingress's {@link PodStatusMapper}, to a consumer. A pod is reported when it is first seen and whenever its
 * {@link PodStateDigest} changes (phase, readiness, a container's waiting reason or restart count), so resyncs and
 * updates of other fields send nothing. A pod not Ready the readiness deadline after its creation is reported once
 * with a {@code ReadinessDeadlineMissed} event, checked every {@link PodWatcherSettings#deadlineCheckInterval()}
 * against the injected clock.
 *
 * <p>The consumer is called from the informer's thread and the deadline check's thread, one call at a time. When it
 * throws, the pod's state counts as not reported, so the pod's next update or resync, or the next deadline check,
 * tries again.
 */
public final class PodWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PodWatcher.class);

    /** Pod phases after which the containers do not run again, so the pod never becomes Ready. */
    private static final Set<String> FINISHED_PHASES = Set.of("Succeeded", "Failed");

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final PodWatcherSettings settings;
    private final PodStatusMapper mapper;
    private final Clock clock;
    private final Consumer<HealthEvent> consumer;

    // Guards the maps below and serialises the consumer's calls.
    private final Object lock = new Object();
    private final Map<String, PodStateDigest> reportedStates = new HashMap<>();
    private final Set<String> unmappable = new HashSet<>();
    // NOTE: this state lives in memory, so a restarted watcher reports every pod once more, and counts a pod
    // that was Ready before the restart and is not Ready now as never Ready since its creation.
    private final ReadinessDeadlines deadlines;

    private final AtomicLong reportedEvents = new AtomicLong();
    private final AtomicLong unchangedUpdates = new AtomicLong();
    private final AtomicLong skippedUnmappable = new AtomicLong();
    private final AtomicLong failedDeliveries = new AtomicLong();
    private final AtomicLong listWatchFailures = new AtomicLong();

    private SharedIndexInformer<Pod> informer;
    private ScheduledExecutorService deadlineChecker;
    private boolean closed;

    /**
     * Creates a watcher that is not started yet. The readiness deadline is the runbook's
     * {@code bootstrapDeadlock.detection.readyDeadline}, else {@link PodWatcherSettings#readyDeadline()}.
     *
     * @param client the client that lists and watches the pods, closed by the caller after the watcher
     * @param runbook the runbook whose bootstrap workloads name the events' components
     * @param settings the namespace, pod selector and intervals
     * @param clock the clock of the events' observation times and of the readiness deadline
     * @param consumer receives each event
     */
    public PodWatcher(final KubernetesClient client, final Runbook runbook, final PodWatcherSettings settings,
                      final Clock clock, final Consumer<HealthEvent> consumer) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.mapper = new PodStatusMapper(Objects.requireNonNull(runbook, "runbook"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.deadlines = new ReadinessDeadlines(readyDeadline(
                runbook.bootstrapDeadlock().detection().readyDeadline(), settings));
    }

    /** Returns the runbook's deadline when it sets one longer than zero, else the settings' deadline. */
    static Duration readyDeadline(final Duration fromRunbook, final PodWatcherSettings settings) {
        if (fromRunbook == null || fromRunbook.isZero() || fromRunbook.isNegative()) {
            return settings.readyDeadline();
        }
        return fromRunbook;
    }

    /**
     * Starts the informer and the readiness deadline check. The returned stage completes when the informer has
     * listed the pods once. While listing or watching fails, for example because RBAC denies it, the informer logs
     * each failure and retries with fabric8's exponential backoff, and the stage stays incomplete.
     *
     * @throws IllegalStateException when the watcher was started or closed before
     */
    public CompletionStage<Void> start() {
        final SharedIndexInformer<Pod> started;
        synchronized (lock) {
            if (closed || informer != null) {
                throw new IllegalStateException("a pod watcher starts once, and not after close()");
            }
            final Informable<Pod> pods = settings.podSelector().isEmpty()
                    ? client.pods().inNamespace(settings.namespace())
                    : client.pods().inNamespace(settings.namespace()).withLabels(settings.podSelector());
            informer = pods.runnableInformer(settings.resyncPeriod().toMillis());
            informer.exceptionHandler(this::retryAfterListOrWatchFailure);
            informer.addEventHandler(new PodEvents());
            deadlineChecker = Executors.newSingleThreadScheduledExecutor(runnable -> {
                final Thread thread = new Thread(runnable, "pod-watcher-deadlines-" + settings.namespace());
                thread.setDaemon(true);
                return thread;
            });
            final long intervalMillis = settings.deadlineCheckInterval().toMillis();
            deadlineChecker.scheduleWithFixedDelay(this::checkDeadlinesOnSchedule, intervalMillis, intervalMillis,
                    TimeUnit.MILLISECONDS);
            started = informer;
        }
        LOG.info("Pod watcher starting: namespace=[{}] podSelector=[{}] readyDeadline=[{}] resyncPeriod=[{}]",
                settings.namespace(), settings.podSelector(), deadlines.deadline(), settings.resyncPeriod());
        return started.start().whenComplete((ignored, error) -> {
            if (error == null) {
                LOG.info("Pod watcher listed the pods and is watching: namespace=[{}]", settings.namespace());
            } else {
                LOG.error("Pod watcher stopped before listing the pods: namespace=[{}]", settings.namespace(), error);
            }
        });
    }

    /**
     * Reports each pod whose readiness deadline passed at the clock's current time and that has not been Ready since
     * its creation. The scheduled check calls this, and tests call it after moving their clock.
     *
     * @return the number of pods reported
     */
    public int checkReadinessDeadlines() {
        final Instant now = clock.instant();
        int reported = 0;
        synchronized (lock) {
            final List<ReadinessDeadlines.Candidate> due = deadlines.due(now);
            for (final ReadinessDeadlines.Candidate candidate : due) {
                final String pod = candidate.namespace() + "/" + candidate.podName();
                if (deliver(deadlines.missed(candidate, now), pod)) {
                    deadlines.reported(candidate.key());
                    reported++;
                    LOG.info("Pod missed its readiness deadline: pod=[{}] createdAt=[{}] deadline=[{}]", pod,
                            candidate.createdAt(), deadlines.deadline());
                }
            }
        }
        return reported;
    }

    /** Returns the readiness deadline in use, from the runbook or the settings. */
    public Duration readyDeadline() {
        return deadlines.deadline();
    }

    /** Returns the number of events the consumer accepted. */
    public long reportedEvents() {
        return reportedEvents.get();
    }

    /** Returns the number of added, updated or resynced pods not reported because nothing the reactor reads changed. */
    public long unchangedUpdates() {
        return unchangedUpdates.get();
    }

    /** Returns the number of added or updated pods skipped because the mapper rejected them. */
    public long skippedUnmappable() {
        return skippedUnmappable.get();
    }

    /** Returns the number of events the consumer threw on. */
    public long failedDeliveries() {
        return failedDeliveries.get();
    }

    /** Returns the number of failed list or watch requests of the informer. */
    public long listWatchFailures() {
        return listWatchFailures.get();
    }

    /** Stops the informer and the deadline check. The client stays open. Calling it again does nothing. */
    @Override
    public void close() {
        final SharedIndexInformer<Pod> stopping;
        final ScheduledExecutorService checker;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            stopping = informer;
            checker = deadlineChecker;
        }
        if (stopping != null) {
            stopping.stop();
        }
        if (checker != null) {
            checker.shutdownNow();
            try {
                if (!checker.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("Readiness deadline check did not stop in time: namespace=[{}] timeout=[{}]",
                            settings.namespace(), CLOSE_TIMEOUT);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("Pod watcher stopped: namespace=[{}] reported=[{}] skippedUnmappable=[{}] failedDeliveries=[{}]",
                settings.namespace(), reportedEvents.get(), skippedUnmappable.get(), failedDeliveries.get());
    }

    private void checkDeadlinesOnSchedule() {
        // An exception thrown out of a scheduled task cancels every later run, so it is logged here instead.
        try {
            checkReadinessDeadlines();
        } catch (final RuntimeException e) {
            LOG.error("Readiness deadline check failed, the next check runs as scheduled: namespace=[{}]",
                    settings.namespace(), e);
        }
    }

    /**
     * Logs a failed list or watch and lets the informer retry. The default handler of fabric8 8.0.0 retries only
     * after the first successful list, and never after a WatcherException, so a watcher started before its RBAC is
     * in place would never report anything.
     */
    private boolean retryAfterListOrWatchFailure(final boolean listedBefore, final Throwable error) {
        final long failures = listWatchFailures.incrementAndGet();
        final KubernetesClientException clientError = clientError(error);
        if (clientError != null) {
            final String message = clientError.getStatus() != null && clientError.getStatus().getMessage() != null
                    ? clientError.getStatus().getMessage() : clientError.getMessage();
            LOG.warn("Listing or watching pods failed, the informer retries with backoff: namespace=[{}] code=[{}]"
                            + " message=[{}] listedBefore=[{}] failures=[{}]", settings.namespace(),
                    clientError.getCode(), message, listedBefore, failures);
        } else {
            LOG.warn("Listing or watching pods failed, the informer retries with backoff: namespace=[{}] error=[{}]"
                    + " listedBefore=[{}] failures=[{}]", settings.namespace(), error, listedBefore, failures);
        }
        return true;
    }

    /** Returns the KubernetesClientException in {@code error}'s causes, which fabric8 wraps in a CompletionException. */
    private static KubernetesClientException clientError(final Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof KubernetesClientException clientError) {
                return clientError;
            }
        }
        return null;
    }

    private void onPodChanged(final Pod pod) {
        final String key = key(pod);
        final String name = name(pod);
        final HealthEvent event;
        try {
            event = mapper.map(client.getKubernetesSerialization().asJson(pod), clock.instant());
        } catch (final IllegalArgumentException e) {
            skipUnmappable(key, name, e);
            return;
        }
        final PodStatus status = (PodStatus) event.getPayload();
        final PodStateDigest digest = PodStateDigest.of(status);

        synchronized (lock) {
            unmappable.remove(key);
            trackReadiness(key, pod, event, status);
            if (digest.equals(reportedStates.get(key))) {
                unchangedUpdates.incrementAndGet();
                return;
            }
            if (deliver(event, name)) {
                reportedStates.put(key, digest);
                LOG.debug("Pod reported: pod=[{}] phase=[{}] ready=[{}] event=[{}]", name, status.getPhase(),
                        status.getReady(), event.getEventId());
            }
        }
    }

    private void onPodDeleted(final Pod pod) {
        final String key = key(pod);
        synchronized (lock) {
            reportedStates.remove(key);
            unmappable.remove(key);
            deadlines.forget(key);
        }
        LOG.debug("Pod deleted, its state is forgotten: pod=[{}]", name(pod));
    }

    /** Logs a rejected pod: at WARN the first time, then at DEBUG until it maps again or is deleted. */
    private void skipUnmappable(final String key, final String name, final IllegalArgumentException error) {
        final long skipped = skippedUnmappable.incrementAndGet();
        final boolean first;
        synchronized (lock) {
            first = unmappable.add(key);
        }
        if (first) {
            LOG.warn("Pod skipped because it cannot be mapped to a health event: pod=[{}] reason=[{}] skipped=[{}]",
                    name, error.getMessage(), skipped);
        } else {
            LOG.debug("Pod skipped again because it cannot be mapped: pod=[{}] reason=[{}] skipped=[{}]", name,
                    error.getMessage(), skipped);
        }
    }

    /** Makes a not-Ready pod a deadline candidate, and settles one that is Ready, finished or terminating. */
    private void trackReadiness(final String key, final Pod pod, final HealthEvent event, final PodStatus status) {
        final ObjectMeta metadata = pod.getMetadata();
        if (status.getReady() || FINISHED_PHASES.contains(status.getPhase()) || metadata.getDeletionTimestamp() != null) {
            deadlines.settle(key);
            return;
        }
        final Instant createdAt;
        try {
            createdAt = Instant.parse(Objects.requireNonNullElse(metadata.getCreationTimestamp(), ""));
        } catch (final DateTimeParseException e) {
            LOG.debug("Pod has no valid creationTimestamp, so its readiness deadline is not checked: pod=[{}]"
                    + " creationTimestamp=[{}]", name(pod), metadata.getCreationTimestamp());
            return;
        }
        deadlines.notReady(new ReadinessDeadlines.Candidate(key, event.getTarget(), metadata.getNamespace(),
                status.getPodName(), status.getWorkloadKind(), status.getWorkloadName(), status.getRevision(),
                createdAt));
    }

    /** Passes {@code event} to the consumer; returns false, after logging, when the consumer throws. */
    private boolean deliver(final HealthEvent event, final String pod) {
        try {
            consumer.accept(event);
            reportedEvents.incrementAndGet();
            return true;
        } catch (final RuntimeException e) {
            final long failures = failedDeliveries.incrementAndGet();
            LOG.error("Passing a pod event on failed, the pod's next update, resync or deadline check retries it:"
                    + " pod=[{}] event=[{}] failures=[{}]", pod, event.getEventId(), failures, e);
            return false;
        }
    }

    /** Returns the pod's key: its uid, which a pod recreated under the same name does not share. */
    private static String key(final Pod pod) {
        final String uid = pod.getMetadata().getUid();
        return uid == null || uid.isBlank() ? name(pod) : uid;
    }

    private static String name(final Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /** Forwards the informer's notifications, which fabric8 8.0.0 delivers one at a time in the watch's order. */
    private final class PodEvents implements ResourceEventHandler<Pod> {

        @Override
        public void onAdd(final Pod pod) {
            onPodChanged(pod);
        }

        @Override
        public void onUpdate(final Pod oldPod, final Pod newPod) {
            onPodChanged(newPod);
        }

        @Override
        public void onDelete(final Pod pod, final boolean deletedFinalStateUnknown) {
            onPodDeleted(pod);
        }
    }
}
