package io.ragreactor.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ragreactor.local.seed.SeedLoader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pod log endpoint of the simulated API server, read with fabric8's log calls and with plain HTTP. */
class PodLogEndpointTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static SimulatedCluster cluster;
    private static KubernetesClient client;
    private static String migrationsLog;

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = SimulatedCluster.start(SeedLoader.loadDefault(), SimulationTimings.defaults(), null);
        client = cluster.newClient();
        try (InputStream in = PodLogEndpointTest.class.getResourceAsStream("/io/ragreactor/local/migrations-job.log")) {
            migrationsLog = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @AfterAll
    static void stopCluster() {
        client.close();
        cluster.close();
    }

    @Test
    void shouldReturnMigrationsJobLog() {
        // When
        final String log = client.pods().withName("migrations-x7k2p").inContainer("migrate").getLog();
        final String tail = client.pods().withName("migrations-x7k2p").inContainer("migrate").tailingLines(2).getLog();

        // Then
        assertThat(log).isEqualTo(migrationsLog);
        assertThat(tail).isEqualTo("2026-11-30T09:21:04.402Z ERROR migrate: controller is waiting for retriever"
                + " readiness before releasing the lock; retriever waits for schema version 42 (circular dependency)\n"
                + "2026-11-30T09:21:04.410Z INFO  migrate: exit 2\n");
    }

    @Test
    void shouldReturnPreviousInitContainerCrashLog() throws IOException {
        // When
        final String previous;
        try (InputStream log = client.pods().withName("indexer-0").inContainer("migrate").terminated()
                .tailingLines(1000).getLogInputStream()) {
            previous = new String(log.readAllBytes(), StandardCharsets.UTF_8);
        }

        // Then the seed's crash lines carry the seeded pod's last run times
        assertThat(previous).startsWith("2026-11-30T09:24:40Z INFO  migrate: current schema version 41, target 42\n")
                .contains("(circular dependency)\n")
                .endsWith("2026-11-30T09:24:43Z INFO  migrate: exit 2\n");
    }

    @Test
    void shouldReturnCrashLogAsCurrentLog() {
        // When
        final String current = client.pods().withName("generator-7d9c6b5f4-x2k8p").inContainer("generator").getLog();

        // Then
        assertThat(current).contains("ERROR generator: schema version 42 not found, the database is at version 41");
    }

    @Test
    void shouldCutLogToLimitBytes() throws Exception {
        // When
        final HttpResponse<String> response = get("pods/migrations-x7k2p/log?container=migrate&limitBytes=24");

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(migrationsLog.substring(0, 24));
    }

    @Test
    void shouldReturnNotFoundForUnknownPod() throws Exception {
        // When
        final HttpResponse<String> response = get("pods/indexer-7/log?container=migrate");

        // Then
        assertThat(response.statusCode()).isEqualTo(404);
        final JsonNode status = JSON.readTree(response.body());
        assertThat(status.path("kind").asText()).isEqualTo("Status");
        assertThat(status.path("status").asText()).isEqualTo("Failure");
        assertThat(status.path("reason").asText()).isEqualTo("NotFound");
        assertThat(status.path("code").asInt()).isEqualTo(404);
        assertThat(status.path("message").asText()).isEqualTo("pods \"indexer-7\" not found");
        assertThatThrownBy(() -> client.pods().withName("indexer-7").inContainer("migrate").getLog())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
    }

    @Test
    void shouldRejectUnknownOrUnstartedContainer() throws Exception {
        // When
        final HttpResponse<String> unknown = get("pods/indexer-0/log?container=sidecar");
        final HttpResponse<String> noPreviousRun = get("pods/migrations-x7k2p/log?previous=true&container=migrate");
        final HttpResponse<String> waiting = get("pods/indexer-0/log?container=indexer");
        final HttpResponse<String> negative = get("pods/migrations-x7k2p/log?container=migrate&tailLines=-1");

        // Then each gets the status code and message of the real API server
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).path("message").asText())
                .isEqualTo("container sidecar is not valid for pod indexer-0");
        assertThat(noPreviousRun.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noPreviousRun.body()).path("message").asText())
                .isEqualTo("previous terminated container \"migrate\" in pod \"migrations-x7k2p\" not found");
        assertThat(waiting.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(waiting.body()).path("message").asText())
                .isEqualTo("container \"indexer\" in pod \"indexer-0\" is waiting to start: PodInitializing");
        assertThat(negative.statusCode()).isEqualTo(422);
    }

    private static HttpResponse<String> get(final String path) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.url() + "api/v1/namespaces/"
                + cluster.seed().namespace() + "/" + path)).GET().timeout(Duration.ofSeconds(10)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
