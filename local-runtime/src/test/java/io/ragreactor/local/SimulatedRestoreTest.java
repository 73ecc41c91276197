package io.ragreactor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import io.ragreactor.local.cluster.SimulatedCluster;
import io.ragreactor.local.cluster.SimulationTimings;
import io.ragreactor.local.retriever.RetrieverEndpoint;
import io.ragreactor.local.seed.IndexState;
import io.ragreactor.local.seed.SeedLoader;
import io.ragreactor.local.seed.StackSeed;
import io.ragreactor.local.snapshots.SnapshotSeeder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** Restores through the simulated cluster as the actuators do, then checks what the retriever and exec report. */
class SimulatedRestoreTest {

    private static final GoldenQueries GOLDEN = GoldenQueries.load();

    private static EmbeddedS3Server s3Server;
    private static S3Client s3;
    private static StackSeed seed;

    private SimulatedCluster cluster;
    private RetrieverEndpoint retriever;
    private KubernetesClient client;
    private RecoverySteps steps;

    @BeforeAll
    static void seedSnapshots() {
        s3Server = EmbeddedS3Server.start();
        s3 = s3Server.newClient();
        seed = SeedLoader.loadDefault();
        SnapshotSeeder.seed(s3, seed);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        s3Server.close();
    }

    @BeforeEach
    void startCluster() {
        cluster = SimulatedCluster.start(seed, SimulationTimings.defaults(), s3);
        retriever = RetrieverEndpoint.start(cluster);
        client = cluster.newClient();
        steps = new RecoverySteps(client, seed);
    }

    @AfterEach
    void stopCluster() {
        client.close();
        retriever.close();
        cluster.close();
    }

    @Test
    void shouldAnswerGoldenQueriesAfterRestoringCompleteSnapshot() throws Exception {
        // Given shard-5 is seeded broken
        assertThat(retrieve("shard-5", GOLDEN.queries().get(0))).isEmpty();

        // When
        final String claim = steps.createClaim("vectorstore-shard-5-restore", "cmd-restore-1");
        steps.restoreAndWait("restore-shard-5-a", seed.snapshots().snapshotUri("shard-5", "2026-11-29T01-00"), claim);
        final Pod pod = steps.repointAndWait("shard-5", claim);

        // Then
        assertThat(cluster.indexState(claim)).contains(IndexState.HEALTHY);
        assertThat(pod.getMetadata().getName()).matches("vectorstore-shard-5-[bcdfghjklmnpqrstvwxz2456789]{5}");
        assertThat(pod.getMetadata().getOwnerReferences())
                .anySatisfy(owner -> assertThat(owner.getName()).isEqualTo("vectorstore-shard-5"));
        for (final GoldenQueries.Query query : GOLDEN.queries()) {
            final List<RetrieverCalls.Retrieved> retrieved = retrieve("shard-5", query);
            assertThat(retrieved).as(query.qid())
                    .anySatisfy(document -> {
                        assertThat(document.id()).isIn(query.expectedIds());
                        assertThat(document.score()).isGreaterThanOrEqualTo(GOLDEN.minScore());
                    });
        }
        assertThat(execReopen(pod.getMetadata().getName(), "shard-5")).isZero();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.pods().withName("vectorstore-shard-5-0").get() == null);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            final Deployment deployment = client.apps().deployments().withName("vectorstore-shard-5").get();
            assertThat(deployment.getStatus().getReplicas()).isEqualTo(1);
            assertThat(deployment.getStatus().getUpdatedReplicas()).isEqualTo(1);
            assertThat(deployment.getStatus().getReadyReplicas()).isEqualTo(1);
            assertThat(deployment.getStatus().getObservedGeneration()).isEqualTo(deployment.getMetadata().getGeneration());
        });
    }

    @Test
    void shouldLeaveBrokenIndexAfterRestoringInterruptedSnapshot() throws Exception {
        // When
        final String claim = steps.createClaim("vectorstore-shard-5-restore", "cmd-restore-2");
        steps.restoreAndWait("restore-shard-5-b", seed.snapshots().snapshotUri("shard-5", "2026-11-30T01-00"), claim);
        final Pod pod = steps.repointAndWait("shard-5", claim);

        // Then
        assertThat(cluster.indexState(claim)).contains(IndexState.BROKEN);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                client.persistentVolumeClaims().withName(claim).get().getMetadata().getAnnotations())
                .containsEntry(SimulatedCluster.INDEX_ANNOTATION, "broken"));
        for (final GoldenQueries.Query query : GOLDEN.queries()) {
            assertThat(retrieve("shard-5", query)).as(query.qid()).isEmpty();
        }
        assertThat(execReopen(pod.getMetadata().getName(), "shard-5")).isEqualTo(1);
    }

    @Test
    void shouldAnswerFromCurrentPodsClaim() throws Exception {
        // Given shard-4 is healthy and the manual snapshot lacks the SAML documents
        final GoldenQueries.Query saml = query("gq-008");
        assertThat(retrieve("shard-4", saml)).extracting(RetrieverCalls.Retrieved::id).contains("doc-kb-0330");
        final String claim = steps.createClaim("vectorstore-shard-4-restore", "cmd-restore-3");
        steps.restoreAndWait("restore-shard-4-a", seed.snapshots().snapshotUri("shard-4", "pre-upgrade-manual"), claim);
        assertThat(cluster.indexState(claim)).contains(IndexState.HEALTHY);

        // When the restore has run but the Deployment still mounts the old claim
        final List<RetrieverCalls.Retrieved> beforeRepoint = retrieve("shard-4", saml);
        steps.repointAndWait("shard-4", claim);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> client.pods().withName("vectorstore-shard-4-0").get() == null);
        final List<RetrieverCalls.Retrieved> afterRepoint = retrieve("shard-4", saml);

        // Then
        assertThat(beforeRepoint).extracting(RetrieverCalls.Retrieved::id).contains("doc-kb-0330");
        assertThat(afterRepoint).extracting(RetrieverCalls.Retrieved::id)
                .doesNotContain("doc-kb-0330", "doc-kb-0331");
        assertThat(cluster.shardIndex("shard-4").claim()).contains(claim);
    }

    @Test
    void shouldRestoreIntoClaimCreatedAfterJob() {
        // Given a restore Job whose PVC does not exist yet
        final String claim = "vectorstore-shard-4-late";
        client.batch().v1().jobs().resource(new JobBuilder()
                .withNewMetadata().withName("restore-late").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec()
                .addNewContainer().withName("restore").withImage(seed.restore().image())
                .addNewEnv().withName(seed.restore().snapshotEnv())
                .withValue(seed.snapshots().snapshotUri("shard-4", "2026-11-29T01-00")).endEnv()
                .endContainer()
                .addNewVolume().withName("target").withNewPersistentVolumeClaim().withClaimName(claim)
                .endPersistentVolumeClaim().endVolume()
                .endSpec().endTemplate().endSpec()
                .build()).create();

        // When
        await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
                .until(() -> cluster.index(claim).isEmpty());
        client.persistentVolumeClaims().resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(claim).endMetadata().build()).create();

        // Then
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.indexState(claim).orElse(null) == IndexState.HEALTHY);
        assertThat(cluster.index(claim).orElseThrow().documents()).hasSize(seed.documentsOf("shard-4").size());
    }

    private List<RetrieverCalls.Retrieved> retrieve(final String shard, final GoldenQueries.Query query)
            throws Exception {
        return RetrieverCalls.retrieve(retriever.url(), query.qid(), query.question(), shard, GOLDEN.topK());
    }

    private int execReopen(final String pod, final String shard) throws Exception {
        try (ExecWatch watch = client.pods().withName(pod).redirectingOutput().redirectingError()
                .exec(seed.vectorstore().reopenCommand(shard).toArray(String[]::new))) {
            return watch.exitCode().get(10, TimeUnit.SECONDS);
        }
    }

    private static GoldenQueries.Query query(final String qid) {
        return GOLDEN.queries().stream().filter(query -> query.qid().equals(qid)).findFirst().orElseThrow();
    }
}
