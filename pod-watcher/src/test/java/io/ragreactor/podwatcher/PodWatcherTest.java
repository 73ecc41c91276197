package io.ragreactor.podwatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.PodStatus;
import io.ragreactor.schemas.health.ReadinessDeadlineMissed;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class PodWatcherTest {

    static final String NAMESPACE = "rag-prod";
    static final String GENERATOR_POD = "generator-7d9c6b5f4-x2k8p";
    static final String INDEXER_POD = "indexer-0";
    static final String RETRIEVER_POD = "retriever-6f8d7c9b5-q4w7z";
    static final Instant T0 = Instant.parse("2026-11-30T09:30:00Z");
    static final Duration WAIT = Duration.ofSeconds(20);

    KubernetesMockServer server;
    KubernetesClient client;

    private final Runbook runbook = Runbook.defaults();
    private final SettableClock clock = new SettableClock(T0);
    private final List<HealthEvent> events = new CopyOnWriteArrayList<>();
    private PodWatcher watcher;

    @AfterEach
    void closeWatcher() {
        if (watcher != null) {
            watcher.close();
        }
    }

    @Test
    void shouldReportEachSamplePod() {
        // Given a running watcher
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));

        // When the three sample pods are created
        createSample("pod-retriever-containercreating.json");
        createSample("pod-generator-crashloop.json");
        createSample("pod-indexer-init-crashloop.json");

        // Then each is reported once, with its workload, revision and container states
        awaitEvents(3);
        final HealthEvent retriever = eventOf(RETRIEVER_POD);
        assertThat(retriever.getTarget()).isEqualTo("rag-prod/retriever/" + RETRIEVER_POD);
        assertThat(retriever.getSource()).isEqualTo("pod-watcher");
        assertThat(retriever.getObservedAt()).isEqualTo(T0);
        final PodStatus retrieverStatus = (PodStatus) retriever.getPayload();
        assertThat(retrieverStatus.getWorkloadKind()).isEqualTo("Pod");
        assertThat(retrieverStatus.getPhase()).isEqualTo("Pending");
        assertThat(retrieverStatus.getContainers()).extracting(ContainerState::getWaitingReason)
                .containsExactly("ContainerCreating");

        final HealthEvent generator = eventOf(GENERATOR_POD);
        assertThat(generator.getTarget()).isEqualTo("rag-prod/generator/generator");
        final PodStatus generatorStatus = (PodStatus) generator.getPayload();
        assertThat(generatorStatus.getWorkloadKind()).isEqualTo("Deployment");
        assertThat(generatorStatus.getWorkloadName()).isEqualTo("generator");
        assertThat(generatorStatus.getRevision()).isEqualTo("7d9c6b5f4");
        assertThat(generatorStatus.getPhase()).isEqualTo("Running");
        assertThat(generatorStatus.getReady()).isFalse();
        final ContainerState generatorContainer = generatorStatus.getContainers().get(0);
        assertThat(generatorContainer.getWaitingReason()).isEqualTo("CrashLoopBackOff");
        assertThat(generatorContainer.getRestartCount()).isEqualTo(5);
        assertThat(generatorContainer.getExitCode()).isEqualTo(1);
        assertThat(generatorStatus.getInitContainers()).extracting(ContainerState::getTerminatedReason)
                .containsExactly("Completed");

        final HealthEvent indexer = eventOf(INDEXER_POD);
        assertThat(indexer.getTarget()).isEqualTo("rag-prod/indexer/indexer");
        final PodStatus indexerStatus = (PodStatus) indexer.getPayload();
        assertThat(indexerStatus.getWorkloadKind()).isEqualTo("StatefulSet");
        assertThat(indexerStatus.getRevision()).isEqualTo("indexer-5d8f7c6b9");
        assertThat(indexerStatus.getPhase()).isEqualTo("Pending");
        final ContainerState migrate = indexerStatus.getInitContainers().get(0);
        assertThat(migrate.getName()).isEqualTo("migrate");
        assertThat(migrate.getWaitingReason()).isEqualTo("CrashLoopBackOff");
        assertThat(migrate.getRestartCount()).isEqualTo(4);
        assertThat(migrate.getExitCode()).isEqualTo(2);
        assertThat(indexerStatus.getContainers()).extracting(ContainerState::getWaitingReason)
                .containsExactly("PodInitializing");
    }

    @Test
    void shouldSkipUnchangedUpdate() {
        // Given a reported generator pod
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));
        createSample("pod-generator-crashloop.json");
        awaitEvents(1);

        // When only a label and a condition's message change, and then another pod is created
        client.pods().inNamespace(NAMESPACE).withName(GENERATOR_POD).edit(pod -> new PodBuilder(pod)
                .editMetadata().addToLabels("team", "search").endMetadata()
                .editStatus().editFirstCondition().withMessage("still initialised").endCondition().endStatus()
                .build());
        createSample("pod-retriever-containercreating.json");

        // Then the retriever is reported, but the generator not again, because the watch keeps the update's order
        awaitEvents(2);
        assertThat(events).extracting(PodWatcherTest::podName).containsExactly(GENERATOR_POD, RETRIEVER_POD);
        assertThat(watcher.unchangedUpdates()).isEqualTo(1);
    }

    @Test
    void shouldSkipResyncs() {
        // Given a watcher whose informer resyncs every second
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE)
                .withResyncPeriod(PodWatcherSettings.MIN_RESYNC_PERIOD));

        // When a pod is created and several resyncs pass
        createSample("pod-generator-crashloop.json");
        awaitEvents(1);
        await().atMost(WAIT).until(() -> watcher.unchangedUpdates() >= 2);

        // Then the pod was reported once
        assertThat(events).hasSize(1);
    }

    @Test
    void shouldReportRestartCountIncrease() {
        // Given a reported generator pod with 5 restarts
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));
        createSample("pod-generator-crashloop.json");
        awaitEvents(1);

        // When its container restarts once more
        client.pods().inNamespace(NAMESPACE).withName(GENERATOR_POD).edit(pod -> new PodBuilder(pod)
                .editStatus().editFirstContainerStatus().withRestartCount(6).endContainerStatus().endStatus()
                .build());

        // Then a second event carries the new count
        awaitEvents(2);
        assertThat(((PodStatus) events.get(1).getPayload()).getContainers())
                .extracting(ContainerState::getRestartCount).containsExactly(6);
        assertThat(events.get(1).getEventId()).isNotEqualTo(events.get(0).getEventId());
    }

    @Test
    void shouldReportWaitingReasonAndReadiness() {
        // Given the retriever's pod in ContainerCreating
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));
        createSample("pod-retriever-containercreating.json");
        awaitEvents(1);

        // When its container starts, and then the pod becomes Ready
        client.pods().inNamespace(NAMESPACE).withName(RETRIEVER_POD).edit(pod -> new PodBuilder(pod)
                .editStatus().withPhase("Running").withContainerStatuses(running("retriever", false)).endStatus()
                .build());
        awaitEvents(2);
        markReady(RETRIEVER_POD);

        // Then each step is reported
        awaitEvents(3);
        final PodStatus started = (PodStatus) events.get(1).getPayload();
        assertThat(started.getPhase()).isEqualTo("Running");
        assertThat(started.getContainers().get(0).getWaitingReason()).isNull();
        assertThat(((PodStatus) events.get(2).getPayload()).getReady()).isTrue();
    }

    @Test
    void shouldReportRecreatedPodAgain() {
        // Given a reported indexer pod
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));
        createSample("pod-indexer-init-crashloop.json");
        awaitEvents(1);

        // When it is deleted and its StatefulSet recreates it in the same state
        client.pods().inNamespace(NAMESPACE).withName(INDEXER_POD).delete();
        await().atMost(WAIT).until(() -> client.pods().inNamespace(NAMESPACE).withName(INDEXER_POD).get() == null);
        createSample("pod-indexer-init-crashloop.json");

        // Then the new pod is reported, because the deleted pod's state was forgotten
        awaitEvents(2);
        assertThat(events).extracting(PodWatcherTest::podName).containsExactly(INDEXER_POD, INDEXER_POD);
    }

    @Test
    void shouldWatchOnlySelectedPods() {
        // Given a watcher of the generator's pods only
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE)
                .withPodSelector(Map.of("app.kubernetes.io/name", "generator")));

        // When the retriever's and then the generator's pod are created
        createSample("pod-retriever-containercreating.json");
        createSample("pod-generator-crashloop.json");

        // Then only the generator's pod is reported. The retriever's pod, created first, would have come first
        awaitEvents(1);
        assertThat(events).extracting(PodWatcherTest::podName).containsExactly(GENERATOR_POD);
    }

    @Test
    void shouldSkipUnmappablePod() {
        // Given a running watcher
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));

        // When a pod without a status (so without a phase) is created, and then the generator's pod
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName("no-status").withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("busybox:1.36").endContainer().endSpec()
                .build()).create();
        createSample("pod-generator-crashloop.json");

        // Then the pod without a phase is counted and skipped, and the generator's pod is reported
        awaitEvents(1);
        assertThat(events).extracting(PodWatcherTest::podName).containsExactly(GENERATOR_POD);
        assertThat(watcher.skippedUnmappable()).isEqualTo(1);

        // When the skipped pod gets a phase
        client.pods().inNamespace(NAMESPACE).withName("no-status").edit(pod -> new PodBuilder(pod)
                .withNewStatus().withPhase("Pending").endStatus().build());

        // Then it is reported
        awaitEvents(2);
        assertThat(podName(events.get(1))).isEqualTo("no-status");
    }

    @Test
    void shouldRetryDeliveryAfterConsumerFailure() {
        // Given a consumer that throws on its first event
        final List<HealthEvent> accepted = new CopyOnWriteArrayList<>();
        watcher = new PodWatcher(client, runbook, PodWatcherSettings.forNamespace(NAMESPACE)
                .withResyncPeriod(PodWatcherSettings.MIN_RESYNC_PERIOD), clock, event -> {
                    events.add(event);
                    if (events.size() == 1) {
                        throw new IllegalStateException("publisher not ready");
                    }
                    accepted.add(event);
                });
        join(watcher);

        // When a pod is created
        createSample("pod-generator-crashloop.json");

        // Then the next resync delivers the pod's state again
        await().atMost(WAIT).until(() -> watcher.reportedEvents() == 1);
        assertThat(accepted).extracting(PodWatcherTest::podName).containsExactly(GENERATOR_POD);
        assertThat(watcher.failedDeliveries()).isEqualTo(1);
    }

    @Test
    void shouldReportMissedReadinessDeadlineOnce() {
        // Given the runbook's deadline of 10 minutes and a generator pod that crash-loops
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));
        assertThat(watcher.readyDeadline()).isEqualTo(Duration.ofMinutes(10));
        createSample("pod-generator-crashloop.json");
        awaitEvents(1);
        final Instant createdAt = creationTime(GENERATOR_POD);

        // When the clock is one second before the deadline
        clock.set(createdAt.plus(Duration.ofMinutes(10)).minusSeconds(1));

        // Then nothing is reported
        assertThat(watcher.checkReadinessDeadlines()).isZero();

        // When the deadline passes
        clock.set(createdAt.plus(Duration.ofMinutes(10)));

        // Then the pod is reported with its workload, creation time and the deadline
        assertThat(watcher.checkReadinessDeadlines()).isEqualTo(1);
        final HealthEvent missed = events.get(events.size() - 1);
        assertThat(missed.getTarget()).isEqualTo("rag-prod/generator/generator");
        assertThat(missed.getSource()).isEqualTo("pod-watcher");
        assertThat(missed.getObservedAt()).isEqualTo(createdAt.plus(Duration.ofMinutes(10)));
        assertThat(missed.getPayload()).isEqualTo(ReadinessDeadlineMissed.newBuilder()
                .setPodName(GENERATOR_POD)
                .setWorkloadKind("Deployment")
                .setWorkloadName("generator")
                .setRevision("7d9c6b5f4")
                .setPodCreatedAt(createdAt)
                .setDeadlineSeconds(600)
                .build());

        // And later checks report it no more
        clock.set(createdAt.plus(Duration.ofHours(1)));
        assertThat(watcher.checkReadinessDeadlines()).isZero();
        assertThat(events).hasSize(2);
    }

    @Test
    void shouldNotReportReadyOrDeletedPod() {
        // Given three pods that are not Ready: the generator's, the retriever's and the indexer's
        startWatcher(PodWatcherSettings.forNamespace(NAMESPACE));
        createSample("pod-generator-crashloop.json");
        createSample("pod-retriever-containercreating.json");
        createSample("pod-indexer-init-crashloop.json");
        awaitEvents(3);
        final Instant lastCreated = List.of(GENERATOR_POD, RETRIEVER_POD, INDEXER_POD).stream()
                .map(this::creationTime).max(Instant::compareTo).orElseThrow();

        // When the retriever's pod becomes Ready and the indexer's is deleted before the deadline
        markReady(RETRIEVER_POD);
        awaitEvents(4);
        client.pods().inNamespace(NAMESPACE).withName(INDEXER_POD).delete();
        // A Ready pod is never a deadline candidate, so its event shows the watcher has seen the deletion before it.
        createReadyPod("controller-5c9d8b7f6-m2n4p");
        awaitEvents(5);

        // Then at the deadline only the generator's pod is reported
        clock.set(lastCreated.plus(Duration.ofMinutes(10)));
        assertThat(watcher.checkReadinessDeadlines()).isEqualTo(1);
        assertThat(events.get(events.size() - 1).getPayload()).isInstanceOf(ReadinessDeadlineMissed.class);
        assertThat(((ReadinessDeadlineMissed) events.get(events.size() - 1).getPayload()).getPodName())
                .isEqualTo(GENERATOR_POD);

        // And the retriever's pod stays unreported when it stops being Ready later
        client.pods().inNamespace(NAMESPACE).withName(RETRIEVER_POD).edit(pod -> new PodBuilder(pod)
                .editStatus().withConditions().addNewCondition().withType("Ready").withStatus("False").endCondition()
                .endStatus().build());
        awaitEvents(7);
        clock.set(lastCreated.plus(Duration.ofHours(1)));
        assertThat(watcher.checkReadinessDeadlines()).isZero();
    }

    @Test
    void shouldPreferRunbookDeadline() {
        // Given settings with a deadline of 3 minutes
        final PodWatcherSettings settings = PodWatcherSettings.forNamespace(NAMESPACE)
                .withReadyDeadline(Duration.ofMinutes(3));

        // Then the runbook's deadline wins where it sets one, and the settings' applies where it does not
        assertThat(PodWatcher.readyDeadline(Duration.ofMinutes(10), settings)).isEqualTo(Duration.ofMinutes(10));
        assertThat(PodWatcher.readyDeadline(null, settings)).isEqualTo(Duration.ofMinutes(3));
        assertThat(PodWatcher.readyDeadline(Duration.ZERO, settings)).isEqualTo(Duration.ofMinutes(3));
        try (PodWatcher fromRunbook = new PodWatcher(client, runbook, settings, clock, events::add)) {
            assertThat(fromRunbook.readyDeadline()).isEqualTo(Duration.ofMinutes(10));
        }
    }

    private void startWatcher(final PodWatcherSettings settings) {
        watcher = new PodWatcher(client, runbook, settings, clock, events::add);
        join(watcher);
    }

    private static void join(final PodWatcher watcher) {
        try {
            watcher.start().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (final Exception e) {
            throw new AssertionError("the pod watcher did not list the pods", e);
        }
    }

    private void awaitEvents(final int count) {
        await().atMost(WAIT).until(() -> events.size() >= count);
        assertThat(events).as("events").hasSize(count);
    }

    private HealthEvent eventOf(final String podName) {
        return events.stream().filter(event -> podName.equals(podName(event))).findFirst().orElseThrow();
    }

    private static String podName(final HealthEvent event) {
        if (event.getPayload() instanceof PodStatus status) {
            return status.getPodName();
        }
        return ((ReadinessDeadlineMissed) event.getPayload()).getPodName();
    }

    private Instant creationTime(final String podName) {
        return Instant.parse(client.pods().inNamespace(NAMESPACE).withName(podName).get().getMetadata()
                .getCreationTimestamp());
    }

    private void createSample(final String file) {
        client.pods().inNamespace(NAMESPACE).resource(samplePod(client, file)).create();
    }

    /** Reads {@code samples/<file>}, a pod as {@code kubectl get pod -o json} prints it. */
    static Pod samplePod(final KubernetesClient client, final String file) {
        try (InputStream in = PodWatcherTest.class.getResourceAsStream("samples/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("test resource samples/" + file + " not found");
            }
            return client.getKubernetesSerialization().unmarshal(in, Pod.class);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void markReady(final String podName) {
        client.pods().inNamespace(NAMESPACE).withName(podName).edit(pod -> new PodBuilder(pod)
                .editStatus().withPhase("Running").withContainerStatuses(running(pod.getSpec().getContainers().get(0)
                        .getName(), true))
                .withConditions().addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus().build());
    }

    private void createReadyPod(final String name) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE)
                .addToLabels("app.kubernetes.io/name", "controller").endMetadata()
                .withNewSpec().addNewContainer().withName("controller").withImage("controller:3.2").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running").withContainerStatuses(running("controller", true))
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build()).create();
    }

    private static ContainerStatus running(final String container, final boolean ready) {
        return new ContainerStatusBuilder()
                .withName(container).withReady(ready).withRestartCount(0)
                .withNewState().withNewRunning().withStartedAt("2026-11-30T09:31:00Z").endRunning().endState()
                .build();
    }
}
