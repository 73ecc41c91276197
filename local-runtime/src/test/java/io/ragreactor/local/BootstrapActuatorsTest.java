package io.ragreactor.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.bootstrap.InspectBootstrapHandler;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.jobs.RunMigrationsHandler;
import io.ragreactor.actuators.start.StartInOrderHandler;
import io.ragreactor.local.cluster.SimulatedCluster;
import io.ragreactor.local.cluster.SimulationTimings;
import io.ragreactor.local.seed.SeedLoader;
import io.ragreactor.schemas.command.InspectBootstrap;
import io.ragreactor.schemas.command.RunMigrations;
import io.ragreactor.schemas.command.StartInOrder;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap-deadlock ladder's actuator steps run through the actuators' public API against the simulated
 * cluster seeded with the deadlock: inspect, run the migrations, start the workloads in order.
 */
class BootstrapActuatorsTest {

    private static final String NAMESPACE = "rag-prod";
    private static final String TARGET = "rag-prod/indexer/indexer";
    private static final SimulationTimings FAST = new SimulationTimings(Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofMillis(200), Duration.ofMillis(400));
    private static final List<WorkloadRef> START_ORDER = List.of(
            workload("Deployment", "controller"),
            workload("Deployment", "retriever"),
            workload("Deployment", "generator"),
            workload("StatefulSet", "indexer"));

    private SimulatedCluster cluster;
    private KubernetesClient client;
    private CommandExecutor executor;

    @BeforeEach
    void startCluster() {
        cluster = SimulatedCluster.start(SeedLoader.loadDefault(), FAST, null);
        client = cluster.newClient();
        executor = ActuatorCommands.executor(NAMESPACE, List.of(new InspectBootstrapHandler(client),
                new RunMigrationsHandler(client), new StartInOrderHandler(client)));
    }

    @AfterEach
    void stopCluster() {
        client.close();
        cluster.close();
    }

    @Test
    void shouldKeepCrashAndJobLogsAsEvidence() {
        // When
        final RecoveryOutcome outcome = executor.execute(ActuatorCommands.command("c-inspect", TARGET, "inspect",
                InspectBootstrap.newBuilder()
                        .setNamespace(NAMESPACE)
                        .setWorkload(workload("StatefulSet", "indexer"))
                        .setPodSelector(Map.of("app.kubernetes.io/name", "indexer"))
                        .setJobNames(List.of("migrations"))
                        .setMaxLogBytes(8192)
                        .build(), Duration.ofMinutes(2)));

        // Then
        assertThat(outcome.getStatus()).as(outcome.getDetail()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getDetail()).contains("crash-looping migrate in indexer-0").contains("migrations: Failed");
        assertThat(evidence(outcome, "pods/rag-prod/indexer-0/migrate (previous)").getText())
                .contains("retriever waits for schema version 42 (circular dependency)");
        assertThat(evidence(outcome, "pods/rag-prod/migrations-x7k2p/migrate").getText())
                .contains("timed out after 60s waiting for lock 'schema_migrations'");
    }

    @Test
    void shouldRunMigrationsThenStartWorkloadsInOrder() {
        // When the migrations run again in a Job of the runbook's image
        final RecoveryOutcome migrated = executor.execute(ActuatorCommands.command("c-migrate", TARGET,
                "run-migrations", RunMigrations.newBuilder()
                        .setNamespace(NAMESPACE)
                        .setJob(JobSpec.newBuilder()
                                .setNamePrefix("migrations-rerun")
                                .setImage("registry.example.internal/rag/controller:3.2")
                                .setCommand(List.of("controller", "migrate", "--wait-for-lock=120s"))
                                .setBackoffLimit(0)
                                .setActiveDeadlineSeconds(900)
                                .build())
                        .build(), Duration.ofMinutes(1)));

        // Then the schema reaches the required version
        assertThat(migrated.getStatus()).as(migrated.getDetail()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(cluster.schemaVersion()).isEqualTo(42);

        // When the workloads start in order
        final RecoveryOutcome started = executor.execute(ActuatorCommands.command("c-start", TARGET, "start-in-order",
                StartInOrder.newBuilder()
                        .setNamespace(NAMESPACE)
                        .setOrder(START_ORDER)
                        .setScaleDownFirst(false)
                        .setReadyTimeoutMs(20_000)
                        .build(), Duration.ofMinutes(1)));

        // Then every workload is Ready, the crash-looping pods included
        assertThat(started.getStatus()).as(started.getDetail()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/name", "generator").list()
                .getItems()).allMatch(BootstrapActuatorsTest::isReady);
    }

    @Test
    void shouldRestartWorkloadsOneByOneAfterMigration() {
        // Given the schema was migrated
        executor.execute(ActuatorCommands.command("c-migrate-2", TARGET, "run-migrations", RunMigrations.newBuilder()
                .setNamespace(NAMESPACE)
                .setJob(JobSpec.newBuilder()
                        .setNamePrefix("migrations-rerun")
                        .setImage("registry.example.internal/rag/controller:3.2")
                        .setCommand(List.of("controller", "migrate"))
                        .setActiveDeadlineSeconds(900)
                        .build())
                .build(), Duration.ofMinutes(1)));

        // When every workload is scaled down, then started one by one
        final RecoveryOutcome restarted = executor.execute(ActuatorCommands.command("c-restart", TARGET,
                "restart-one-by-one", StartInOrder.newBuilder()
                        .setNamespace(NAMESPACE)
                        .setOrder(START_ORDER)
                        .setScaleDownFirst(true)
                        .setReadyTimeoutMs(20_000)
                        .build(), Duration.ofMinutes(2)));

        // Then each runs a new Ready pod, the StatefulSet's named by its ordinal
        assertThat(restarted.getStatus()).as(restarted.getDetail()).isEqualTo(OutcomeStatus.SUCCEEDED);
        final List<Pod> indexers = client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/name", "indexer")
                .list().getItems();
        assertThat(indexers).extracting(pod -> pod.getMetadata().getName()).containsExactly("indexer-0");
        assertThat(indexers).allMatch(BootstrapActuatorsTest::isReady);
        assertThat(client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/name", "generator").list()
                .getItems()).extracting(pod -> pod.getMetadata().getName())
                .doesNotContain("generator-7d9c6b5f4-x2k8p");
    }

    private static WorkloadRef workload(final String kind, final String name) {
        return WorkloadRef.newBuilder().setKind(kind).setName(name).build();
    }

    private static Evidence evidence(final RecoveryOutcome outcome, final String source) {
        return outcome.getEvidence().stream().filter(item -> source.equals(item.getSource())).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence from " + source + " in " + outcome.getEvidence()));
    }

    private static boolean isReady(final Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions().stream()
                .anyMatch(condition -> "Ready".equals(condition.getType()) && "True".equals(condition.getStatus()));
    }
}
