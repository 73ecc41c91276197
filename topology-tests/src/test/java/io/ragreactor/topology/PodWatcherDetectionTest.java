package io.ragreactor.topology;

import static io.ragreactor.topology.BootstrapEvents.GENERATOR;
import static io.ragreactor.topology.BootstrapEvents.INDEXER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.podwatcher.PodWatcher;
import io.ragreactor.podwatcher.PodWatcherSettings;
import io.ragreactor.schemas.command.InspectBootstrap;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.Scenario;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pod watcher on the fabric8 mock API server, feeding the reactor the pods it reports. */
@EnableKubernetesMockClient(crud = true, https = false)
class PodWatcherDetectionTest {

    private static final Instant T0 = ReactorFixture.START;
    private static final Duration WAIT = Duration.ofSeconds(20);

    KubernetesMockServer server;
    KubernetesClient client;

    private final List<HealthEvent> events = new CopyOnWriteArrayList<>();
    private final StepClock clock = new StepClock(T0);

    @Test
    void shouldDetectCrashLoopsFromWatcher() throws Exception {
        try (ReactorFixture reactor = new ReactorFixture();
             PodWatcher watcher = new PodWatcher(client, reactor.runbook, PodWatcherSettings.forNamespace("rag-prod"),
                     clock, events::add)) {
            watcher.start().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

            // When the retriever's pod is created, still in ContainerCreating
            createSampleAndObserve(reactor, "pod-retriever-containercreating.json", T0.plusSeconds(1));

            // Then nothing is detected
            assertThat(reactor.commands.isEmpty()).isTrue();
            assertThat(reactor.incidents.isEmpty()).isTrue();

            // When the generator's container and then the indexer's init container crash-loop
            createSampleAndObserve(reactor, "pod-generator-crashloop.json", T0.plusSeconds(2));
            createSampleAndObserve(reactor, "pod-indexer-init-crashloop.json", T0.plusSeconds(3));

            // Then each workload gets a bootstrap incident with one inspect command
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("inspect", "inspect");
            assertThat(commands).extracting(RecoveryCommand::getTarget).containsExactly(GENERATOR, INDEXER);
            assertThat(((InspectBootstrap) commands.get(0).getAction()).getWorkload())
                    .isEqualTo(new WorkloadRef("Deployment", "generator"));
            assertThat(((InspectBootstrap) commands.get(1).getAction()).getWorkload())
                    .isEqualTo(new WorkloadRef("StatefulSet", "indexer"));
            assertThat(commands.get(1).getCauseEventIds()).containsExactly(events.get(2).getEventId());

            // And the indexer's incident names its init container migrate
            final List<IncidentUpdate> opened = reactor.readIncidentUpdates().stream()
                    .filter(update -> update.getChange().startsWith("opened"))
                    .toList();
            assertThat(opened).extracting(IncidentUpdate::getScenario)
                    .containsExactly(Scenario.BOOTSTRAP_DEADLOCK, Scenario.BOOTSTRAP_DEADLOCK);
            assertThat(opened.get(0).getChange())
                    .isEqualTo("opened: pod generator-7d9c6b5f4-x2k8p: container generator in CrashLoopBackOff,"
                            + " 5 restarts, last exit code 1");
            assertThat(opened.get(1).getChange())
                    .isEqualTo("opened: pod indexer-0: init container migrate in CrashLoopBackOff, 4 restarts,"
                            + " last exit code 2");
        }
    }

    /** Creates the sample pod on the mock server at {@code at}, waits for the watcher's event and pipes it in. */
    private void createSampleAndObserve(final ReactorFixture reactor, final String file, final Instant at) {
        final int before = events.size();
        clock.set(at);
        client.pods().inNamespace("rag-prod").resource(samplePod(file)).create();
        await().atMost(WAIT).until(() -> events.size() > before);
        assertThat(events).as("events after creating %s", file).hasSize(before + 1);
        final HealthEvent event = events.get(before);
        assertThat(event.getObservedAt()).isEqualTo(at);
        reactor.observe(event);
    }

    private Pod samplePod(final String file) {
        try (InputStream in = PodWatcherDetectionTest.class.getResourceAsStream("samples/" + file)) {
            if (in == null) {
                throw new IllegalArgumentException("test resource samples/" + file + " not found");
            }
            return client.getKubernetesSerialization().unmarshal(in, Pod.class);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A UTC clock that stays at the instant the test sets. */
    private static final class StepClock extends Clock {

        private volatile Instant now;

        StepClock(final Instant start) {
            this.now = start;
        }

        void set(final Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final ZoneId zone) {
            throw new UnsupportedOperationException("the test clock is UTC only");
        }
    }
}
