package io.ragreactor.actuators.snapshots;

import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
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
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.SideEffectHook;
import io.ragreactor.actuators.restore.SnapshotFixtures;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import io.ragreactor.schemas.command.RestoreDrill;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.GoldenQuery;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs drills against the fabric8 mock server, the in-process S3 server with the shard-3 layout, and a stand-in
 * of the retriever's debug endpoint on loopback. The same workload exists in the production namespace, so the
 * tests can show the drill never touches it.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class RestoreDrillHandlerTest {

    private static final String SCRATCH = "rag-drill";
    private static final String PROD = TestCommands.NAMESPACE;
    private static final String BUCKET = "rag-prod-vectorstore-snapshots";
    private static final String WORKLOAD = "vectorstore-shard-3";
    private static final String OLD_PVC = "vectorstore-shard-3-index-old";
    private static final String COMMAND_ID_LABEL = "ragreactor.io/command-id";

    private static EmbeddedS3Server s3Server;
    private static S3Client s3;

    KubernetesClient client;

    private HttpServer retriever;
    private final AtomicBoolean retrieverFindsDocuments = new AtomicBoolean(true);
    private CommandExecutor executor;

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
    void seed() throws IOException {
        seedWorkload(PROD);
        seedWorkload(SCRATCH);
        retriever = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        retriever.createContext("/debug/retrieve", this::answer);
        retriever.start();
        final List<ActionHandler<?>> handlers = List.of(new RestoreDrillHandler(client, s3, HttpClient.newHttpClient()));
        executor = new CommandExecutor(handlers, new Guards(Set.of(PROD, SCRATCH)), TestCommands.INSTANCE,
                Clock.systemUTC(), Duration.ofMillis(50), SideEffectHook.NONE);
    }

    @AfterEach
    void stopRetriever() {
        retriever.stop(0);
    }

    @Test
    void shouldRestoreIntoScratchAndValidate() throws Exception {
        // When the drill runs while this test plays the Job and Deployment controllers of the scratch namespace
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-drill-1", "restore-drill", drill(30_000))));
        final RecoveryOutcome outcome = playControllers("c-drill-1", running);

        // Then the outcome is the validation's, with the evidence of both steps
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getDetail()).startsWith("drill in rag-drill: restored s3://" + BUCKET
                + "/snapshots/shard-3/2026-11-29T01-00/");
        assertThat(outcome.getEvidence()).extracting(Evidence::getKind)
                .containsExactly("snapshot-choice", "restore", "query-result", "query-result");
        assertThat(outcome.getCalls()).anyMatch(call -> call.startsWith("POST jobs/rag-drill/restore-shard-3-"));

        // Then nothing changed in the production namespace
        assertThat(claimOf(deployment(PROD))).isEqualTo(OLD_PVC);
        assertThat(client.batch().v1().jobs().inNamespace(PROD).list().getItems()).isEmpty();
        assertThat(client.persistentVolumeClaims().inNamespace(PROD).list().getItems()).hasSize(1);
        assertThat(outcome.getCalls()).noneMatch(call -> call.contains("/" + PROD + "/"));
    }

    @Test
    void shouldFailDrillWhenValidationFails() throws Exception {
        // Given a restored shard that returns nothing
        retrieverFindsDocuments.set(false);

        // When
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-drill-2", "restore-drill", drill(30_000))));
        final RecoveryOutcome outcome = playControllers("c-drill-2", running);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("validation-failed");
        assertThat(outcome.getDetail()).endsWith("2 of 2 golden queries failed on shard-3");
        assertThat(outcome.getEvidence()).extracting(Evidence::getKind).contains("snapshot-choice", "restore");
    }

    @Test
    void shouldCreateNothingNewWhenDeliveredTwice() throws Exception {
        // Given a drill that finished
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-drill-3", "restore-drill", drill(30_000))));
        final RecoveryOutcome first = playControllers("c-drill-3", running);

        // When the same command is delivered again
        final RecoveryOutcome again = executor.execute(command("c-drill-3", "restore-drill", drill(30_000)));

        // Then it adopts the Job and PVC of the first delivery
        assertThat(again.getStatus()).isEqualTo(first.getStatus());
        assertThat(again.getReason()).isEqualTo(first.getReason());
        assertThat(again.getCalls()).noneMatch(call -> call.startsWith("POST jobs") || call.startsWith("POST persistent")
                || call.startsWith("PATCH"));
        assertThat(client.batch().v1().jobs().inNamespace(SCRATCH).list().getItems()).hasSize(1);
        assertThat(client.persistentVolumeClaims().inNamespace(SCRATCH).list().getItems()).hasSize(2);
    }

    @Test
    void shouldEndDrillWithRestoreFailure() throws Exception {
        // When the restore Job fails
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-drill-4", "restore-drill", drill(30_000))));
        final Job job = awaitJob("c-drill-4");
        finishJob(job, "Failed");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then no golden query ran
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("job-failed");
        assertThat(outcome.getDetail()).startsWith("drill restore into rag-drill failed: restore Job");
        assertThat(outcome.getCalls()).noneMatch(call -> call.contains("/debug/retrieve"));
    }

    @Test
    void shouldTimeOutWhenRestoredPodIsNeverReady() {
        // When the Job completes but no pod turns Ready within the restore's timeout
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-drill-5", "restore-drill", drill(3_000))));
        finishJob(awaitJob("c-drill-5"), "Complete");
        final RecoveryOutcome outcome = running.join();

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(outcome.getCalls()).noneMatch(call -> call.contains("/debug/retrieve"));
    }

    @Test
    void shouldChangeNothingInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-drill-6", "restore-drill", drill(30_000), true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).anyMatch(call -> call.startsWith("POST jobs/rag-drill/"))
                .anyMatch(call -> call.startsWith("POST " + url() + "/debug/retrieve qid=gq-001"));
        assertThat(client.batch().v1().jobs().inNamespace(SCRATCH).list().getItems()).isEmpty();
        assertThat(claimOf(deployment(SCRATCH))).isEqualTo(OLD_PVC);
    }

    @Test
    void shouldRejectRestoreOutsideScratchNamespace() {
        // Given a drill whose restore aims at production
        final RestoreDrill action = drill(30_000);
        action.getRestore().setNamespace(PROD);

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-drill-7", "restore-drill", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getDetail()).startsWith("restore.namespace [rag-prod] is invalid: must equal"
                + " scratchNamespace [rag-drill]");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectScratchNamespaceOfTarget() {
        // Given a drill whose scratch namespace is the production namespace of its target
        final RestoreDrill action = drill(30_000);
        action.setScratchNamespace(PROD);
        action.getRestore().setNamespace(PROD);

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-drill-8", "restore-drill", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getDetail()).startsWith("scratchNamespace [rag-prod] is invalid: must differ");
        assertThat(claimOf(deployment(PROD))).isEqualTo(OLD_PVC);
    }

    @Test
    void shouldRejectScratchNamespaceOutsideAllowList() {
        // Given
        final RestoreDrill action = drill(30_000);
        action.setScratchNamespace("kube-system");
        action.getRestore().setNamespace("kube-system");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-drill-9", "restore-drill", action));

        // Then
        assertThat(outcome.getReason()).isEqualTo("namespace-not-allowed");
    }

    @Test
    void shouldRejectRetrieverOfAnotherNamespace() {
        // Given
        final RestoreDrill action = drill(30_000);
        action.getValidation().setRetrieverUrl("http://retriever.rag-prod.svc.cluster.local:8080");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-drill-10", "restore-drill", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getDetail()).startsWith("validation.retrieverUrl");
    }

    @Test
    void shouldRejectValidationOfAnotherShard() {
        // Given
        final RestoreDrill action = drill(30_000);
        action.getValidation().setShard("shard-4");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-drill-11", "restore-drill", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getDetail()).startsWith("validation.shard [shard-4]");
    }

    @Test
    void shouldApplyRestoreGuards() {
        // Given a restore Job image with a space, which the restore handler's guards reject
        final RestoreDrill action = drill(30_000);
        action.getRestore().getJob().setImage("restore; rm -rf /");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-drill-12", "restore-drill", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getDetail()).startsWith("job.image");
    }

    @Test
    void shouldReadNamespaceOfClusterServiceUrl() {
        // Then
        assertThat(RestoreDrillHandler.clusterNamespaceOf("http://retriever.rag-drill.svc:8080")).isEqualTo(SCRATCH);
        assertThat(RestoreDrillHandler.clusterNamespaceOf("http://retriever.rag-drill.svc.cluster.local"))
                .isEqualTo(SCRATCH);
        assertThat(RestoreDrillHandler.clusterNamespaceOf("http://127.0.0.1:8080")).isNull();
        assertThat(RestoreDrillHandler.clusterNamespaceOf("https://retriever.example.com")).isNull();
    }

    /** Plays the controllers of a successful restore in the scratch namespace, then returns the outcome. */
    private RecoveryOutcome playControllers(final String commandId, final CompletableFuture<RecoveryOutcome> running)
            throws Exception {
        final Job job = awaitJob(commandId);
        finishJob(job, "Complete");
        await().atMost(Duration.ofSeconds(20)).until(() -> !OLD_PVC.equals(claimOf(deployment(SCRATCH))));
        final String newClaim = claimOf(deployment(SCRATCH));
        client.pods().inNamespace(SCRATCH).resource(new PodBuilder()
                .withNewMetadata().withName(WORKLOAD + "-restored").withNamespace(SCRATCH)
                .addToLabels("app", "vectorstore").addToLabels("shard", "shard-3").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("vectorstore").withImage("vectorstore:3").endContainer()
                .addNewVolume().withName("index").withNewPersistentVolumeClaim().withClaimName(newClaim)
                .endPersistentVolumeClaim().endVolume()
                .endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True")
                .endCondition().endStatus()
                .build()).create();
        return running.get(30, TimeUnit.SECONDS);
    }

    private Job awaitJob(final String commandId) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> !client.batch().v1()
                .jobs().inNamespace(SCRATCH).withLabel(COMMAND_ID_LABEL, commandId).list().getItems().isEmpty());
        return client.batch().v1().jobs().inNamespace(SCRATCH).withLabel(COMMAND_ID_LABEL, commandId).list()
                .getItems().get(0);
    }

    private void finishJob(final HasMetadata job, final String conditionType) {
        client.batch().v1().jobs().inNamespace(SCRATCH).withName(job.getMetadata().getName())
                .editStatus(j -> new JobBuilder(j).withNewStatus().addNewCondition().withType(conditionType)
                        .withStatus("True").endCondition().endStatus().build());
    }

    private void seedWorkload(final String namespace) {
        client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(OLD_PVC).withNamespace(namespace).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new Quantity("20Gi")).endResources().endSpec()
                .build()).create();
        client.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName(WORKLOAD).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("app", "vectorstore").addToMatchLabels("shard", "shard-3")
                .endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("app", "vectorstore").addToLabels("shard", "shard-3").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("vectorstore").withImage("vectorstore:3").endContainer()
                .addNewVolume().withName("index").withNewPersistentVolumeClaim().withClaimName(OLD_PVC)
                .endPersistentVolumeClaim().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
    }

    private Deployment deployment(final String namespace) {
        return client.apps().deployments().inNamespace(namespace).withName(WORKLOAD).get();
    }

    private static String claimOf(final Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> "index".equals(v.getName())).findFirst().map(Volume::getPersistentVolumeClaim)
                .orElseThrow().getClaimName();
    }

    private RestoreDrill drill(final long readyTimeoutMs) {
        final RestoreSnapshot restore = TestCommands.restore(BUCKET, readyTimeoutMs);
        restore.setNamespace(SCRATCH);
        return RestoreDrill.newBuilder()
                .setScratchNamespace(SCRATCH)
                .setRestore(restore)
                .setValidation(ValidateGoldenQueries.newBuilder()
                        .setRetrieverUrl(url())
                        .setShard("shard-3")
                        .setTopK(3)
                        .setMinScore(0.7)
                        .setQueries(List.of(query("gq-001", "doc-kb-1182"), query("gq-002", "doc-pol-0041")))
                        .setRequestTimeoutMs(2_000)
                        .build())
                .build();
    }

    private static GoldenQuery query(final String qid, final String expectedId) {
        return GoldenQuery.newBuilder().setQid(qid).setQuestion("question " + qid).setExpectedIds(List.of(expectedId))
                .build();
    }

    private String url() {
        return "http://127.0.0.1:" + retriever.getAddress().getPort();
    }

    /** Returns the expected document of each known query when the shard finds documents, else nothing. */
    private void answer(final HttpExchange exchange) throws IOException {
        final String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        final Map<String, String> expected = Map.of("gq-001", "doc-kb-1182", "gq-002", "doc-pol-0041");
        String answer = "{\"retrieved\":[]}";
        if (retrieverFindsDocuments.get()) {
            for (final Map.Entry<String, String> entry : expected.entrySet()) {
                if (body.contains("\"" + entry.getKey() + "\"")) {
                    answer = "{\"retrieved\":[{\"id\":\"" + entry.getValue() + "\",\"score\":0.9}]}";
                }
            }
        }
        final byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
