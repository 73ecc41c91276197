package io.ragreactor.topology;

import static io.ragreactor.topology.BootstrapEvents.GENERATOR;
import static io.ragreactor.topology.BootstrapEvents.INDEXER;
import static io.ragreactor.topology.BootstrapEvents.crashLoop;
import static io.ragreactor.topology.BootstrapEvents.logLine;
import static io.ragreactor.topology.BootstrapEvents.podStatusFromSample;
import static io.ragreactor.topology.BootstrapEvents.readinessMissed;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.reactor.incident.IncidentIds;
import io.ragreactor.schemas.command.InspectBootstrap;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.PodStatus;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.state.ActiveIncident;
import io.ragreactor.schemas.state.TargetState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class BootstrapDeadlockDetectionTest {

    private static final Instant T0 = ReactorFixture.START;

    private static ActiveIncident incidentOf(final ReactorFixture reactor, final String target) {
        final TargetState state = reactor.driver.<String, TargetState>getKeyValueStore("incident-state").get(target);
        assertThat(state).as("state of %s", target).isNotNull();
        return state.getIncident();
    }

    @Test
    void shouldMapSamplePodsToWorkloads() {
        // Given the three pod samples
        final HealthEvent retriever = podStatusFromSample("pod-retriever-containercreating.json", T0);
        final HealthEvent generator = podStatusFromSample("pod-generator-crashloop.json", T0);
        final HealthEvent indexer = podStatusFromSample("pod-indexer-init-crashloop.json", T0);

        // Then a ReplicaSet's pod belongs to its Deployment, a StatefulSet's to itself, an unowned pod to itself
        assertThat(generator.getTarget()).isEqualTo(GENERATOR);
        final PodStatus generatorStatus = (PodStatus) generator.getPayload();
        assertThat(generatorStatus.getWorkloadKind()).isEqualTo("Deployment");
        assertThat(generatorStatus.getRevision()).isEqualTo("7d9c6b5f4");
        assertThat(generatorStatus.getContainers().get(0).getExitCode()).isEqualTo(1);
        assertThat(indexer.getTarget()).isEqualTo(INDEXER);
        final PodStatus indexerStatus = (PodStatus) indexer.getPayload();
        assertThat(indexerStatus.getWorkloadKind()).isEqualTo("StatefulSet");
        assertThat(indexerStatus.getRevision()).isEqualTo("indexer-5d8f7c6b9");
        assertThat(indexerStatus.getPhase()).isEqualTo("Pending");
        assertThat(((PodStatus) retriever.getPayload()).getWorkloadKind()).isEqualTo("Pod");
    }

    @Test
    void shouldDetectSampleCrashLoops() {
        // Pod samples: ContainerCreating, then a container crash loop in phase Running, then an init container one
        try (ReactorFixture reactor = new ReactorFixture()) {
            // When the retriever's pod is still being created
            reactor.observe(podStatusFromSample("pod-retriever-containercreating.json", T0.plusSeconds(1)));

            // Then nothing is detected
            assertThat(reactor.commands.isEmpty()).isTrue();
            assertThat(reactor.incidents.isEmpty()).isTrue();

            // When the generator's container and the indexer's init container crash-loop
            reactor.observe(podStatusFromSample("pod-generator-crashloop.json", T0.plusSeconds(2)));
            reactor.observe(podStatusFromSample("pod-indexer-init-crashloop.json", T0.plusSeconds(3)));

            // Then each workload gets its own bootstrap incident with one inspect command
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("inspect", "inspect");
            assertThat(commands).extracting(RecoveryCommand::getTarget).containsExactly(GENERATOR, INDEXER);
            assertThat(((InspectBootstrap) commands.get(1).getAction()).getWorkload())
                    .isEqualTo(new WorkloadRef("StatefulSet", "indexer"));

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
            final ActiveIncident indexer = incidentOf(reactor, INDEXER);
            assertThat(indexer.getTrigger()).isEqualTo("crash-loop");
            assertThat(indexer.getEvidence()).extracting(Evidence::getSource).containsExactly("indexer-0/migrate");
            assertThat(indexer.getWorkload()).isEqualTo(new WorkloadRef("StatefulSet", "indexer"));
            assertThat(indexer.getRevision()).isEqualTo("indexer-5d8f7c6b9");
        }
    }

    @Test
    void shouldInspectGeneratorAfterPoisonPill() {
        // A valid health event, a record with an unknown schema id, then a crash loop of the generator
        try (ReactorFixture reactor = new ReactorFixture()) {
            reactor.observe(podStatusFromSample("pod-retriever-containercreating.json", T0));
            final byte[] unknownId = ByteBuffer.allocate(9).put((byte) 0).putInt(9999).put(new byte[] {1, 2, 3, 4})
                    .array();
            reactor.rawHealth.pipeInput(GENERATOR.getBytes(StandardCharsets.UTF_8), unknownId, T0.plusSeconds(1));
            reactor.observe(crashLoop(GENERATOR, "generator-7d9c6b5f4-x2k8p", "7d9c6b5f4", T0.plusSeconds(2)));

            // Then the bad record is dead-lettered with its reason
            final List<TestRecord<byte[], byte[]>> deadLetters = reactor.deadLetters.readRecordsToList();
            assertThat(deadLetters).hasSize(1);
            assertThat(new String(deadLetters.get(0).headers().lastHeader(DeadLetterHeaders.REASON).value(),
                    StandardCharsets.UTF_8)).isEqualTo("unknown-schema-id");

            // And the generator gets exactly one bootstrap inspect
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).hasSize(1);
            assertThat(commands.get(0).getStep()).isEqualTo("inspect");
            assertThat(commands.get(0).getTarget()).isEqualTo(GENERATOR);
            assertThat(((InspectBootstrap) commands.get(0).getAction()).getWorkload())
                    .isEqualTo(new WorkloadRef("Deployment", "generator"));
        }
    }

    @Test
    void shouldFoldPodsOfOneRevision() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given three pods of the generator's revision 7d9c6b5f4
            final List<String> pods = List.of("generator-7d9c6b5f4-x2k8p", "generator-7d9c6b5f4-h5m2n",
                    "generator-7d9c6b5f4-q9r3t");

            // When each of them crash-loops
            for (int i = 0; i < pods.size(); i++) {
                reactor.observe(crashLoop(GENERATOR, pods.get(i), "7d9c6b5f4", T0.plusSeconds(i + 1)));
            }

            // Then one incident opens with one inspect, and the other pods fold into it as evidence
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("inspect");
            assertThat(reactor.readIncidentUpdates().stream().map(IncidentUpdate::getIncidentId).distinct()).hasSize(1);
            final ActiveIncident incident = incidentOf(reactor, GENERATOR);
            assertThat(incident.getFoldedSymptoms()).isEqualTo(2);
            assertThat(incident.getRevision()).isEqualTo("7d9c6b5f4");
            assertThat(incident.getEvidence()).extracting(Evidence::getSource).containsExactly(
                    "generator-7d9c6b5f4-x2k8p/generator", "generator-7d9c6b5f4-h5m2n/generator",
                    "generator-7d9c6b5f4-q9r3t/generator");
        }
    }

    @Test
    void shouldOpenOnMissingMigrationLog() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an ordinary log line of the indexer's migrate init container
            reactor.observe(logLine(INDEXER, "indexer-0", "migrate",
                    "INFO migrate: current schema version 41, target 42",
                    T0.plusSeconds(1)));
            assertThat(reactor.commands.isEmpty()).isTrue();

            // When it logs that a relation of a missing migration does not exist
            reactor.observe(logLine(INDEXER, "indexer-0", "migrate", "ERROR: relation \"chunks\" does not exist",
                    T0.plusSeconds(2)));

            // Then a bootstrap incident opens on the indexer, triggered by the missing migration
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("inspect");
            assertThat(commands.get(0).getTarget()).isEqualTo(INDEXER);
            assertThat(incidentOf(reactor, INDEXER).getTrigger()).isEqualTo("missing-migration");
        }
    }

    @Test
    void shouldOpenOnCircularDependencyLog() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // When the migration logs the lock cycle between controller and retriever
            reactor.observe(logLine(INDEXER, "indexer-0", "migrate", "ERROR migrate: controller is waiting for"
                    + " retriever readiness before releasing the lock; retriever waits for schema version 42"
                    + " (circular dependency)", T0.plusSeconds(1)));

            // Then a bootstrap incident opens, triggered by the circular dependency
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("inspect");
            assertThat(incidentOf(reactor, INDEXER).getTrigger()).isEqualTo("circular-dependency");
        }
    }

    @Test
    void shouldOpenOnMissedReadinessDeadline() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // When a generator pod is not Ready ten minutes after its creation
            reactor.observe(readinessMissed(GENERATOR, "generator-7d9c6b5f4-x2k8p", 600, T0.plusSeconds(1)));

            // Then a bootstrap incident opens on the generator with one inspect
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("inspect");
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates.get(0).getState()).isEqualTo(IncidentState.OPEN);
            assertThat(updates.get(0).getChange()).startsWith("opened: pod generator-7d9c6b5f4-x2k8p not Ready 600s");
            assertThat(incidentOf(reactor, GENERATOR).getTrigger()).isEqualTo("not-ready");
        }
    }

    @Test
    void shouldIgnoreCrashLoopOfFailedPod() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a crash-loop status in a pod whose phase is Failed, so no container restarts any more
            final HealthEvent failed = crashLoop(GENERATOR, "generator-7d9c6b5f4-x2k8p", "7d9c6b5f4",
                    T0.plusSeconds(1));
            ((PodStatus) failed.getPayload()).setPhase("Failed");

            // When it arrives, and then the same crash loop from a Running pod
            reactor.observe(failed);
            final HealthEvent running = crashLoop(GENERATOR, "generator-7d9c6b5f4-h5m2n", "7d9c6b5f4",
                    T0.plusSeconds(2));
            reactor.observe(running);

            // Then only the Running pod's status opens the incident
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("inspect");
            assertThat(commands.get(0).getCauseEventIds()).containsExactly(running.getEventId());
            assertThat(commands.get(0).getIncidentId())
                    .isEqualTo(IncidentIds.incidentId(GENERATOR, running.getObservedAt().toEpochMilli()));
        }
    }
}
