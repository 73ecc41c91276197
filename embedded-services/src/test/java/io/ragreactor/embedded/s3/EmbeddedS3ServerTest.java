package io.ragreactor.embedded.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

class EmbeddedS3ServerTest {

    private static EmbeddedS3Server server;

    @BeforeAll
    static void startServer() {
        server = EmbeddedS3Server.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void shouldStoreListAndReturnObjects() {
        try (S3Client s3 = server.newClient()) {
            // Given
            s3.createBucket(b -> b.bucket("snapshots"));

            // When
            s3.putObject(p -> p.bucket("snapshots").key("shard-5/2024-06-01/manifest.json"),
                    RequestBody.fromString("{\"complete\":true}", StandardCharsets.UTF_8));
            s3.putObject(p -> p.bucket("snapshots").key("shard-5/2024-06-01/segment-0001"),
                    RequestBody.fromBytes(new byte[] {1, 2, 3}));

            // Then
            final ListObjectsV2Response listing = s3.listObjectsV2(l -> l.bucket("snapshots").prefix("shard-5/"));
            assertThat(listing.contents()).extracting(S3Object::key)
                    .containsExactly("shard-5/2024-06-01/manifest.json", "shard-5/2024-06-01/segment-0001");
            assertThat(listing.contents()).extracting(S3Object::size).containsExactly(17L, 3L);
            assertThat(s3.getObjectAsBytes(g -> g.bucket("snapshots").key("shard-5/2024-06-01/manifest.json"))
                    .asUtf8String()).isEqualTo("{\"complete\":true}");
        }
    }

    @Test
    void shouldListBucketsAndServeOnLoopback() {
        try (S3Client s3 = server.newClient()) {
            // Given
            s3.createBucket(b -> b.bucket("listed-bucket"));

            // When
            final var buckets = s3.listBuckets().buckets();

            // Then
            assertThat(buckets).extracting(bucket -> bucket.name()).contains("listed-bucket");
            assertThat(server.endpoint().getHost()).isEqualTo("127.0.0.1");
            assertThat(server.endpoint().getPort()).isPositive();
        }
    }

    @Test
    void shouldRejectRequestsSignedWithOtherCredentials() {
        // Given
        try (S3Client intruder = S3Client.builder()
                .endpointOverride(server.endpoint())
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(server.accessKey(), "not-the-secret")))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {

            // When / Then
            assertThatThrownBy(() -> intruder.listBuckets())
                    .isInstanceOfSatisfying(S3Exception.class,
                            e -> assertThat(e.statusCode()).isEqualTo(403));
        }
    }

    @Test
    void shouldStopListeningOnClose() throws Exception {
        // Given
        final EmbeddedS3Server second = EmbeddedS3Server.start();
        final URI endpoint = second.endpoint();

        // When
        second.close();

        // Then
        final HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
        connection.setConnectTimeout(2_000);
        assertThatThrownBy(connection::connect).isInstanceOf(ConnectException.class);
    }
}
