package io.ragreactor.actuators.restore;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static io.ragreactor.actuators.TestCommands.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

@EnableKubernetesMockClient(crud = true, https = false)
class RestoreSnapshotHandlerTest {

    private static final String BUCKET = "rag-prod-vectorstore-snapshots";
    private static final String OLD_PVC = "vectorstore-shard-3-index-old";
    private static final String WORKLOAD = "vectorstore-shard-3";

    private static EmbeddedS3Server s3Server;
    private static S3Client s3;

    KubernetesMockServer server;
    KubernetesClient client;

    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeAll
    static void startS3() {
        s3Server = EmbeddedS3Server.start();
        s3 = s3Server.newClient();
        SnapshotFixtures.seedShard3(s3, BUCKET);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        s3Server.close();
    }

    @BeforeEach
    void seedWorkload() {
        client.persistentVolumeClaims().inNamespace(NAMESPACE).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(OLD_PVC).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new Quantity("20Gi")).endResources().endSpec()
                .build()).create();
        client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(WORKLOAD).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("app", "vectorstore").addToMatchLabels("shard", "shard-3").endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("app", "vectorstore").addToLabels("shard", "shard-3").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("vectorstore").withImage("vectorstore:3").endContainer()
                .addNewVolume().withName("config").withNewConfigMap().withName("vectorstore-config").endConfigMap()
                .endVolume()
                .addNewVolume().withName("index").withNewPersistentVolumeClaim().withClaimName(OLD_PVC)
                .endPersistentVolumeClaim().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new RestoreSnapshotHandler(actuatorClient, new SnapshotSelector(s3))));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldRestoreIntoNewVolumeAndRepointDeployment() throws Exception {
        // Given
        final String commandId = "c-restore-1";
        final String suffix = RestoreResources.suffixOf(commandId);

        // When the step runs while this test plays the Job controller and the Deployment controller
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> RbacAudit.during(server, () -> executor.execute(command(commandId, "restore", restore(BUCKET, 30_000)))));
        final Job job = awaitJob("restore-shard-3-" + suffix);
        completeJob(job.getMetadata().getName(), "Complete");
        await().atMost(Duration.ofSeconds(20)).until(() -> claimOf(deployment()).equals("vectorstore-shard-3-index-" + suffix));
        startReadyPod("vectorstore-shard-3-new", "vectorstore-shard-3-index-" + suffix);
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then the outcome succeeded and names the chosen snapshot
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(evidence(outcome, "snapshot-choice").getText())
                .startsWith("chose 2026-11-29T01-00/")
                .contains("- 2026-11-30T01-00/: skipped: no manifest.json");
        assertThat(outcome.getCalls()).contains(
                "POST persistentvolumeclaims/rag-prod/vectorstore-shard-3-index-" + suffix,
                "POST jobs/rag-prod/restore-shard-3-" + suffix,
                "PATCH deployments/rag-prod/vectorstore-shard-3");

        // Then the new PVC carries the command id and the requested size and class
        final PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(NAMESPACE)
                .withName("vectorstore-shard-3-index-" + suffix).get();
        assertThat(pvc.getMetadata().getLabels()).containsEntry("ragreactor.io/command-id", commandId);
        assertThat(pvc.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("20Gi"));
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("standard");

        // Then the Job runs the command's argument vector on the new PVC with the snapshot URI
        assertThat(job.getMetadata().getLabels()).containsEntry("ragreactor.io/command-id", commandId);
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(1800L);
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
        final Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getCommand()).containsExactly("restore", "--verify");
        assertThat(container.getEnv()).extracting(EnvVar::getName, EnvVar::getValue).contains(
                tuple("TARGET_DIR", "/restore"),
                tuple("SNAPSHOT_URI",
                        "s3://rag-prod-vectorstore-snapshots/snapshots/shard-3/2026-11-29T01-00/"));
        assertThat(container.getVolumeMounts().get(0).getMountPath()).isEqualTo("/restore");
        assertThat(job.getSpec().getTemplate().getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName())
                .isEqualTo("vectorstore-shard-3-index-" + suffix);

        // Then the Deployment claims the new PVC, keeps its other volumes, and the old PVC still exists
        final Deployment deployment = deployment();
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes()).extracting(Volume::getName)
                .containsExactly("config", "index");
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes().get(0).getConfigMap().getName())
                .isEqualTo("vectorstore-config");
        assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("ragreactor.io/command-id", commandId);
        assertThat(client.persistentVolumeClaims().inNamespace(NAMESPACE).withName(OLD_PVC).get()).isNotNull();
    }

    @Test
    void shouldFailRestoreWhenJobFails() throws Exception {
        // Given
        final String commandId = "c-restore-2";

        // When the Job reaches its Failed condition
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command(commandId, "restore", restore(BUCKET, 30_000))));
        final Job job = awaitJob("restore-shard-3-" + RestoreResources.suffixOf(commandId));
        completeJob(job.getMetadata().getName(), "Failed");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("job-failed");
        assertThat(evidence(outcome, "job-status").getText()).contains("Failed=True reason=BackoffLimitExceeded");
        // The mock runs no pods, so the Job's pod evidence records that no pod was found
        assertThat(evidence(outcome, "job-pod").getText()).contains("no pod of Job restore-shard-3-");
        assertThat(claimOf(deployment())).isEqualTo(OLD_PVC);
        assertThat(outcome.getCalls()).noneMatch(call -> call.startsWith("PATCH"));
    }

    @Test
    void shouldTimeOutWhenNoPodIsReady() {
        // Given a Job that completes but a Deployment whose new pod never turns Ready
        final String commandId = "c-restore-3";
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command(commandId, "restore", restore(BUCKET, 3_000))));
        final Job job = awaitJob("restore-shard-3-" + RestoreResources.suffixOf(commandId));
        completeJob(job.getMetadata().getName(), "Complete");

        // When
        final RecoveryOutcome outcome = running.join();

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(outcome.getDetail()).startsWith("no Ready pod mounted vectorstore-shard-3-index-");
    }

    @Test
    void shouldFailRestoreWhenNoSnapshotIsComplete() {
        // Given a prefix with only an interrupted upload
        s3.createBucket(b -> b.bucket("only-interrupted"));
        SnapshotFixtures.put(s3, "only-interrupted", SnapshotFixtures.PREFIX + "2026-11-30T01-00/part-0000.seg",
                new byte[10]);

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-restore-4", "restore",
                restore("only-interrupted", 30_000)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("no-complete-snapshot");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
        assertThat(client.persistentVolumeClaims().inNamespace(NAMESPACE).list().getItems())
                .extracting(p -> p.getMetadata().getName()).containsExactly(OLD_PVC);
    }

    @Test
    void shouldCreateNothingInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-restore-5", "restore", restore(BUCKET, 30_000),
                true));

        // Then
        final String suffix = RestoreResources.suffixOf("c-restore-5");
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).contains(
                "POST persistentvolumeclaims/rag-prod/vectorstore-shard-3-index-" + suffix,
                "POST jobs/rag-prod/restore-shard-3-" + suffix,
                "PATCH deployments/rag-prod/vectorstore-shard-3");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
        assertThat(claimOf(deployment())).isEqualTo(OLD_PVC);
    }

    private Job awaitJob(final String name) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get() != null);
        return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get();
    }

    /** Plays the Job controller: sets the Job's terminal condition. */
    private void completeJob(final String name, final String conditionType) {
        client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).editStatus(job -> new JobBuilder(job)
                .withNewStatus()
                .addNewCondition().withType(conditionType).withStatus("True")
                .withReason("Failed".equals(conditionType) ? "BackoffLimitExceeded" : null)
                .endCondition()
                .endStatus()
                .build());
    }

    /** Plays the Deployment controller: a Ready pod of the workload that mounts {@code claim}. */
    private void startReadyPod(final String name, final String claim) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE)
                .addToLabels("app", "vectorstore").addToLabels("shard", "shard-3").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("vectorstore").withImage("vectorstore:3").endContainer()
                .addNewVolume().withName("index").withNewPersistentVolumeClaim().withClaimName(claim)
                .endPersistentVolumeClaim().endVolume()
                .endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus()
                .build()).create();
    }

    private Deployment deployment() {
        return client.apps().deployments().inNamespace(NAMESPACE).withName(WORKLOAD).get();
    }

    private static String claimOf(final Deployment deployment) {
        final Map<String, Volume> volumes = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .collect(Collectors.toMap(Volume::getName, v -> v));
        return volumes.get("index").getPersistentVolumeClaim().getClaimName();
    }

    private static Evidence evidence(final RecoveryOutcome outcome, final String kind) {
        return outcome.getEvidence().stream().filter(e -> kind.equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence of kind " + kind + " in " + outcome.getEvidence()));
    }
}
