package io.ragreactor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.ragreactor.local.seed.IndexState;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

class LocalRuntimeTest {

    @Test
    void shouldStartAndStopOnLoopback() throws Exception {
        // Given
        final LocalRuntime.Options options = LocalRuntime.Options.defaults().withBrokenShards(Set.of("shard-4"));
        final URI kubernetes;
        final URI retriever;
        final URI registry;

        // When
        try (LocalRuntime runtime = LocalRuntime.start(options)) {
            kubernetes = URI.create(runtime.kubernetesUrl());
            retriever = URI.create(runtime.retrieverUrl());
            registry = URI.create(runtime.schemaRegistryUrl());

            // Then every endpoint is on 127.0.0.1 and responds
            assertThat(List.of(kubernetes.getHost(), retriever.getHost(), registry.getHost(),
                    runtime.s3Endpoint().getHost())).containsOnly("127.0.0.1");
            assertThat(runtime.bootstrapServers()).startsWith("127.0.0.1:");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    (Object) runtime.bootstrapServers()))) {
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            }
            final HttpResponse<String> subjects = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(runtime.schemaRegistryUrl() + "/subjects")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(subjects.statusCode()).isEqualTo(200);
            try (S3Client s3 = runtime.newS3Client()) {
                assertThat(s3.listObjectsV2(request -> request.bucket("rag-prod-vectorstore-snapshots")
                        .prefix("snapshots/shard-4/")).contents()).hasSize(11);
            }

            // And the seed option made shard-4 broken and shard-5 healthy
            assertThat(runtime.cluster().indexState("vectorstore-shard-4-index")).contains(IndexState.BROKEN);
            assertThat(runtime.cluster().indexState("vectorstore-shard-5-index")).contains(IndexState.HEALTHY);
            assertThat(RetrieverCalls.retrieve(runtime.retrieverUrl() + "/debug/retrieve", "gq-005", "What does error E1042 mean?",
                    "shard-4", 5)).isEmpty();
            assertThat(RetrieverCalls.retrieve(runtime.retrieverUrl() + "/debug/retrieve", "gq-005", "What does error E1042 mean?",
                    "shard-5", 5)).extracting(RetrieverCalls.Retrieved::id).first().isEqualTo("doc-err-1042");
            try (KubernetesClient client = runtime.newKubernetesClient()) {
                assertThat(client.getNamespace()).isEqualTo("rag-prod");
                assertThat(client.getMasterUrl().getProtocol()).isEqualTo("http");
                try (ExecWatch watch = client.pods().withName("vectorstore-shard-4-0").redirectingOutput()
                        .redirectingError().exec("ctl", "index", "reopen", "shard-4")) {
                    assertThat(watch.exitCode().get(10, TimeUnit.SECONDS)).isEqualTo(1);
                }
            }
        }

        // Then nothing listens any more
        for (final URI uri : List.of(kubernetes, retriever, registry)) {
            assertThatThrownBy(() -> connect(uri)).as(uri.toString()).isInstanceOf(ConnectException.class);
        }
    }

    private static void connect(final URI uri) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2000);
        }
    }
}
