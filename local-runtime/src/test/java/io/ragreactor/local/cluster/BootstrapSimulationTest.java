package io.ragreactor.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.seed.SeedLoader;
import io.ragreactor.local.seed.StackSeed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bootstrap deadlock as the simulated cluster plays it: blocked pods, the migration Job and the StatefulSet. */
class BootstrapSimulationTest {

    static final SimulationTimings FAST = new SimulationTimings(Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofMillis(200), Duration.ofMillis(400));
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final String GENERATOR_POD = "generator-7d9c6b5f4-x2k8p";
    private static final String RETRIEVER_POD = "retriever-6f8d7c9b5-q4w7z";

    private StackSeed seed;
    private SimulatedCluster cluster;
    private KubernetesClient client;

    @BeforeEach
    void startCluster() {
        seed = SeedLoader.loadDefault();
        cluster = SimulatedCluster.start(seed, FAST, null);
        client = cluster.newClient();
    }

    @AfterEach
    void stopCluster() {
        client.close();
        cluster.close();
    }

    @Test
    void shouldCrashLoopUntilMigrationCompletes() {
        // Given the seeded pods restart a few times while the schema is at 41
        await().atMost(TIMEOUT).until(() -> restarts(pod(GENERATOR_POD), "generator", false) >= 7);
        final Pod generator = pod(GENERATOR_POD);
        final Pod indexer = pod("indexer-0");
        assertThat(cluster.schemaVersion()).isEqualTo(41);
        assertThat(Pods.isReady(generator)).isFalse();
        assertThat(generator.getStatus().getPhase()).isEqualTo("Running");
        assertThat(status(generator, "generator", false).getState().getWaiting().getReason())
                .isEqualTo("CrashLoopBackOff");
        assertThat(status(generator, "generator", false).getLastState().getTerminated().getExitCode()).isEqualTo(1);
        assertThat(indexer.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(status(indexer, "migrate", true).getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
        assertThat(status(indexer, "migrate", true).getLastState().getTerminated().getExitCode()).isEqualTo(2);
        assertThat(status(indexer, "migrate", true).getRestartCount()).isGreaterThan(4);
        assertThat(status(indexer, "indexer", false).getState().getWaiting().getReason()).isEqualTo("PodInitializing");

        // When a Job runs the migration image
        client.batch().v1().jobs().resource(migrationJob("migrations-rerun-1")).create();

        // Then the schema reaches 42 once the Job completes, and both pods become Ready at their next restart
        await().atMost(TIMEOUT).until(() -> isComplete(client.batch().v1().jobs().withName("migrations-rerun-1").get()));
        assertThat(cluster.schemaVersion()).isEqualTo(42);
        await().atMost(TIMEOUT).until(() -> Pods.isReady(pod(GENERATOR_POD)) && Pods.isReady(pod("indexer-0")));
        final Pod readyIndexer = pod("indexer-0");
        assertThat(status(readyIndexer, "migrate", true).getState().getTerminated().getReason()).isEqualTo("Completed");
        assertThat(status(readyIndexer, "indexer", false).getState().getRunning()).isNotNull();
        await().atMost(TIMEOUT).until(() -> statefulSetStatus("indexer").getReadyReplicas() == 1
                && deploymentStatus("generator").getReadyReplicas() == 1);
        assertThat(client.pods().withLabel("app.kubernetes.io/name", "generator").list().getItems())
                .extracting(pod -> pod.getMetadata().getName())
                .containsExactly(GENERATOR_POD);
    }

    @Test
    void shouldStartSeededRetrieverPod() {
        // Then the seeded pod without owner becomes the retriever Deployment's one Ready pod
        await().atMost(TIMEOUT).until(() -> Pods.isReady(pod(RETRIEVER_POD)));
        final Pod retriever = pod(RETRIEVER_POD);
        assertThat(retriever.getMetadata().getOwnerReferences())
                .extracting(owner -> owner.getKind() + "/" + owner.getName())
                .containsExactly("ReplicaSet/retriever-6f8d7c9b5");
        assertThat(retriever.getMetadata().getLabels()).containsEntry(Pods.TEMPLATE_HASH_LABEL, "6f8d7c9b5");
        await().atMost(TIMEOUT).until(() -> deploymentStatus("retriever").getReadyReplicas() == 1);
        assertThat(client.pods().withLabel("app.kubernetes.io/name", "retriever").list().getItems()).hasSize(1);
    }

    @Test
    void shouldCrashLoopNewPodsOnOldSchema() {
        // When the generator scales up while the schema is at 41
        client.apps().deployments().withName("generator").scale(2);

        // Then the new pod, created from the seeded pod's template, crash-loops too
        await().atMost(TIMEOUT).until(() -> newGeneratorPod() != null
                && PodStatuses.isCrashLooping(newGeneratorPod(), seed.bootstrap().orElseThrow()
                        .blockedContainer("generator").orElseThrow()));
        final Pod created = newGeneratorPod();
        assertThat(created.getMetadata().getLabels()).containsEntry(Pods.TEMPLATE_HASH_LABEL, "7d9c6b5f4");
        assertThat(created.getSpec().getInitContainers()).extracting(c -> c.getName())
                .containsExactly("wait-for-migrations");
        assertThat(status(created, "generator", false).getRestartCount()).isEqualTo(1);
        assertThat(status(created, "wait-for-migrations", true).getState().getTerminated().getExitCode()).isZero();
        assertThat(Pods.isReady(created)).isFalse();

        // When the migration completes
        client.batch().v1().jobs().resource(migrationJob("migrations-rerun-2")).create();

        // Then both generator pods become Ready
        await().atMost(TIMEOUT).until(() -> deploymentStatus("generator").getReadyReplicas() == 2);
    }

    @Test
    void shouldScaleStatefulSetInOrdinalOrder() {
        // When the indexer is scaled down to 0
        client.apps().statefulSets().withName("indexer").scale(0);

        // Then its pod goes and the status follows
        await().atMost(TIMEOUT).until(() -> client.pods().withName("indexer-0").get() == null);
        await().atMost(TIMEOUT).until(() -> statefulSetStatus("indexer").getReplicas() == 0);

        // When it is scaled to 2 while the schema is below the required version
        client.apps().statefulSets().withName("indexer").scale(2);

        // Then indexer-0 crash-loops and indexer-1 waits for it, as OrderedReady does
        await().atMost(TIMEOUT).until(() -> client.pods().withName("indexer-0").get() != null
                && status(pod("indexer-0"), "migrate", true).getRestartCount() >= 2);
        assertThat(client.pods().withName("indexer-1").get()).isNull();
        assertThat(pod("indexer-0").getMetadata().getLabels())
                .containsEntry(StatefulSetController.REVISION_LABEL, "indexer-5d8f7c6b9")
                .containsEntry(StatefulSetController.POD_NAME_LABEL, "indexer-0");

        // When the migration completes
        client.batch().v1().jobs().resource(migrationJob("migrations-rerun-3")).create();

        // Then both ordinals become Ready, one after the other
        await().atMost(TIMEOUT).until(() -> statefulSetStatus("indexer").getReadyReplicas() == 2);
        final StatefulSet indexer = client.apps().statefulSets().withName("indexer").get();
        assertThat(indexer.getStatus().getObservedGeneration()).isEqualTo(indexer.getMetadata().getGeneration());
        assertThat(indexer.getStatus().getUpdateRevision()).isEqualTo("indexer-5d8f7c6b9");
        assertThat(indexer.getStatus().getCurrentRevision()).isEqualTo("indexer-5d8f7c6b9");
        assertThat(pod("indexer-1").getMetadata().getCreationTimestamp())
                .isGreaterThanOrEqualTo(pod("indexer-0").getMetadata().getCreationTimestamp());

        // When it is scaled down to 1
        client.apps().statefulSets().withName("indexer").scale(1);

        // Then the highest ordinal goes
        await().atMost(TIMEOUT).until(() -> client.pods().withName("indexer-1").get() == null);
        assertThat(Pods.isReady(pod("indexer-0"))).isTrue();
        await().atMost(TIMEOUT).until(() -> statefulSetStatus("indexer").getReadyReplicas() == 1
                && statefulSetStatus("indexer").getReplicas() == 1);
    }

    @Test
    void shouldLeaveFailedMigrationJobFailed() {
        // Then the seeded Job keeps its Failed condition and changes nothing
        await().pollDelay(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> true);
        final Job job = client.batch().v1().jobs().withName("migrations").get();
        assertThat(job.getStatus().getConditions())
                .extracting(condition -> condition.getType() + "=" + condition.getStatus() + " " + condition.getReason())
                .containsExactly("Failed=True BackoffLimitExceeded");
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(cluster.schemaVersion()).isEqualTo(41);
        final Pod jobPod = pod("migrations-x7k2p");
        assertThat(jobPod.getMetadata().getLabels()).containsEntry("job-name", "migrations");
        assertThat(status(jobPod, "migrate", false).getState().getTerminated().getExitCode()).isEqualTo(2);
    }

    private Job migrationJob(final String name) {
        return new JobBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("job")
                .withImage(seed.bootstrap().orElseThrow().migrationImage())
                .withCommand("controller", "migrate", "--wait-for-lock=120s")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private Pod newGeneratorPod() {
        final List<Pod> pods = client.pods().withLabel("app.kubernetes.io/name", "generator").list().getItems();
        return pods.stream().filter(pod -> !GENERATOR_POD.equals(pod.getMetadata().getName())).findFirst()
                .orElse(null);
    }

    /** Returns the StatefulSet's status, with counts of 0 before the controller has written one. */
    private StatefulSetStatus statefulSetStatus(final String name) {
        final StatefulSet statefulSet = client.apps().statefulSets().withName(name).get();
        final StatefulSetStatus status = statefulSet.getStatus() == null ? new StatefulSetStatus()
                : statefulSet.getStatus();
        return new StatefulSetStatusBuilder(status)
                .withReplicas(status.getReplicas() == null ? 0 : status.getReplicas())
                .withReadyReplicas(status.getReadyReplicas() == null ? 0 : status.getReadyReplicas())
                .build();
    }

    /** Returns the Deployment's status, with counts of 0 before the controller has written one. */
    private DeploymentStatus deploymentStatus(final String name) {
        final Deployment deployment = client.apps().deployments().withName(name).get();
        final DeploymentStatus status = deployment.getStatus() == null ? new DeploymentStatus()
                : deployment.getStatus();
        return new DeploymentStatusBuilder(status)
                .withReadyReplicas(status.getReadyReplicas() == null ? 0 : status.getReadyReplicas())
                .build();
    }

    private Pod pod(final String name) {
        return client.pods().withName(name).get();
    }

    private static int restarts(final Pod pod, final String container, final boolean init) {
        return status(pod, container, init).getRestartCount();
    }

    private static ContainerStatus status(final Pod pod, final String container, final boolean init) {
        return PodStatuses.previous(pod, container, init)
                .orElseThrow(() -> new AssertionError("no status of " + container + " in " + pod.getMetadata().getName()));
    }

    private static boolean isComplete(final Job job) {
        return job != null && job.getStatus() != null && job.getStatus().getConditions().stream()
                .anyMatch(condition -> "Complete".equals(condition.getType()) && "True".equals(condition.getStatus()));
    }
}
