package io.ragreactor.local.retriever;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.RetrieverCalls;
import io.ragreactor.local.cluster.SimulatedCluster;
import io.ragreactor.local.cluster.SimulationTimings;
import io.ragreactor.local.seed.SeedLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RetrieverEndpointTest {

    private static SimulatedCluster cluster;
    private static RetrieverEndpoint retriever;

    @BeforeAll
    static void start() {
        cluster = SimulatedCluster.start(SeedLoader.loadDefault(), SimulationTimings.defaults(), null);
        retriever = RetrieverEndpoint.start(cluster);
    }

    @AfterAll
    static void stop() {
        retriever.close();
        cluster.close();
    }

    @Test
    void shouldReturnTopKBestFirstForHealthyShard() throws Exception {
        // When
        final List<RetrieverCalls.Retrieved> retrieved = RetrieverCalls.retrieve(retriever.url(), "gq-003",
                "Which regions support data residency?", "shard-4", 2);

        // Then
        assertThat(retrieved).extracting(RetrieverCalls.Retrieved::id)
                .containsExactlyInAnyOrder("doc-pol-0107", "doc-kb-2210");
        assertThat(retrieved.get(0).score()).isGreaterThanOrEqualTo(retrieved.get(1).score());
    }

    @Test
    void shouldReturnEmptyListForBrokenShard() throws Exception {
        // When
        final List<RetrieverCalls.Retrieved> retrieved = RetrieverCalls.retrieve(retriever.url(), "gq-003",
                "Which regions support data residency?", "shard-5", 5);

        // Then
        assertThat(retrieved).isEmpty();
    }

    @Test
    void shouldRejectMalformedRequests() throws Exception {
        // When
        final RetrieverCalls.RawResponse notJson = RetrieverCalls.post(retriever.url(), "{not json");
        final RetrieverCalls.RawResponse missingShard = RetrieverCalls.post(retriever.url(),
                "{\"qid\":\"gq-001\",\"q\":\"keys\",\"k\":5}");
        final RetrieverCalls.RawResponse badK = RetrieverCalls.post(retriever.url(),
                "{\"qid\":\"gq-001\",\"q\":\"keys\",\"shard\":\"shard-4\",\"k\":\"five\"}");

        // Then
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.body().get("error").asText()).contains("not valid JSON");
        assertThat(missingShard.status()).isEqualTo(400);
        assertThat(missingShard.body().get("error").asText()).contains("shard");
        assertThat(badK.status()).isEqualTo(400);
        assertThat(badK.body().get("error").asText()).contains("k");
    }

    @Test
    void shouldReturnNotFoundForUnknownShard() throws Exception {
        // When
        final RetrieverCalls.RawResponse response = RetrieverCalls.post(retriever.url(),
                "{\"qid\":\"gq-001\",\"q\":\"keys\",\"shard\":\"shard-9\",\"k\":5}");

        // Then
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.body().get("error").asText()).contains("shard-9");
    }

    @Test
    void shouldRejectOtherMethods() throws Exception {
        // When
        final HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(retriever.url())).GET().build(), HttpResponse.BodyHandlers.ofString());

        // Then
        assertThat(response.statusCode()).isEqualTo(405);
    }

    @Test
    void shouldReturn503WithoutReadyPod() throws Exception {
        // Given shard-4 scaled to zero
        try (KubernetesClient client = cluster.newClient()) {
            client.apps().deployments().withName("vectorstore-shard-4").scale(0);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.currentPod("shard-4").isEmpty());

            // When
            final RetrieverCalls.RawResponse response = RetrieverCalls.post(retriever.url(),
                    "{\"qid\":\"gq-001\",\"q\":\"keys\",\"shard\":\"shard-4\",\"k\":5}");

            // Then
            assertThat(response.status()).isEqualTo(503);

            // And scaling back up brings a Ready pod on the same claim
            client.apps().deployments().withName("vectorstore-shard-4").scale(1);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> cluster.currentPod("shard-4").isPresent());
            assertThat(cluster.shardIndex("shard-4").claim()).contains("vectorstore-shard-4-index");
        }
    }
}
