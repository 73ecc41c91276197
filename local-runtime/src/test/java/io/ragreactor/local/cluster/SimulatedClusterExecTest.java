package io.ragreactor.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.ragreactor.local.seed.SeedLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimulatedClusterExecTest {

    private static SimulatedCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void startCluster() {
        cluster = SimulatedCluster.start(SeedLoader.loadDefault(), SimulationTimings.defaults(), null);
        client = cluster.newClient();
    }

    @AfterAll
    static void stopCluster() {
        client.close();
        cluster.close();
    }

    @Test
    void shouldExitOneOnBrokenIndex() throws Exception {
        // When
        final Exec exec = exec("vectorstore-shard-5-0", "ctl", "index", "reopen", "shard-5");

        // Then
        assertThat(exec.exitCode()).isEqualTo(1);
        assertThat(exec.stderr()).contains("checksum mismatch").contains("vectorstore-shard-5-index");
        assertThat(exec.stdout()).isEmpty();
    }

    @Test
    void shouldExitZeroOnHealthyIndex() throws Exception {
        // When
        final Exec exec = exec("vectorstore-shard-4-0", "ctl", "index", "reopen", "shard-4");

        // Then
        assertThat(exec.exitCode()).isZero();
        assertThat(exec.stdout()).isEqualTo("index reopened: 21 documents\n");
        assertThat(exec.stderr()).isEmpty();
    }

    @Test
    void shouldExit127ForOtherCommand() throws Exception {
        // When
        final Exec shell = exec("vectorstore-shard-4-0", "sh", "-c", "ctl index reopen shard-4");
        final Exec otherShard = exec("vectorstore-shard-4-0", "ctl", "index", "reopen", "shard-5");
        final Exec otherPod = exec("controller-0", "ctl", "index", "reopen", "shard-4");

        // Then
        assertThat(shell.exitCode()).isEqualTo(127);
        assertThat(shell.stderr()).contains("command not found");
        assertThat(otherShard.exitCode()).isEqualTo(127);
        assertThat(otherPod.exitCode()).isEqualTo(127);
    }

    @Test
    void shouldSeedReadyPodsBesideSeededPodDocuments() {
        // Then the shards, the controller and the API get a Ready pod <name>-0, the other workloads their seeded pods
        assertThat(client.pods().list().getItems())
                .extracting(pod -> pod.getMetadata().getName())
                .containsExactlyInAnyOrder("vectorstore-shard-4-0", "vectorstore-shard-5-0", "controller-0",
                        "rag-api-0", "retriever-6f8d7c9b5-q4w7z", "generator-7d9c6b5f4-x2k8p", "indexer-0",
                        "migrations-x7k2p");
        assertThat(client.pods().list().getItems())
                .filteredOn(Pods::isReady)
                .extracting(pod -> pod.getMetadata().getName())
                .contains("vectorstore-shard-4-0", "vectorstore-shard-5-0", "controller-0", "rag-api-0")
                .doesNotContain("generator-7d9c6b5f4-x2k8p", "indexer-0", "migrations-x7k2p");
        assertThat(client.configMaps().withName("rag-shard-registry").get().getData())
                .containsEntry("shard-4", "healthy")
                .containsEntry("shard-5", "healthy")
                .containsEntry("replicas.shard-4", "")
                .containsEntry("replicas.shard-5", "");
        assertThat(cluster.persistentVolumeClaims())
                .containsExactly("vectorstore-shard-4-index", "vectorstore-shard-5-index");
        assertThat(client.persistentVolumeClaims().withName("vectorstore-shard-5-index").get()
                .getMetadata().getAnnotations()).containsEntry(SimulatedCluster.INDEX_ANNOTATION, "broken");
    }

    private Exec exec(final String pod, final String... command)
            throws InterruptedException, ExecutionException, TimeoutException, IOException {
        try (ExecWatch watch = client.pods().withName(pod).redirectingOutput().redirectingError().exec(command)) {
            final int exitCode = watch.exitCode().get(10, TimeUnit.SECONDS);
            return new Exec(exitCode, drain(watch.getOutput()), drain(watch.getError()));
        }
    }

    /**
     * Reads what the stream buffered. After a non-zero exit, fabric8's exec streams end with an IOException
     * instead of end-of-stream, once the buffered bytes are read.
     */
    private static String drain(final InputStream stream) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final byte[] buffer = new byte[1024];
        try {
            for (int read = stream.read(buffer); read >= 0; read = stream.read(buffer)) {
                bytes.write(buffer, 0, read);
            }
        } catch (final IOException e) {
            assertThat(e.getCause()).hasMessageStartingWith("process exited with a non-zero exit code");
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private record Exec(int exitCode, String stdout, String stderr) {
    }
}
