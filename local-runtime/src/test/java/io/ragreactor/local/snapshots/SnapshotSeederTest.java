package io.ragreactor.local.snapshots;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import io.ragreactor.local.seed.Document;
import io.ragreactor.local.seed.SeedLoader;
import io.ragreactor.local.seed.StackSeed;
import java.io.IOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

class SnapshotSeederTest {

    private static final String BUCKET = "rag-prod-vectorstore-snapshots";

    private static EmbeddedS3Server server;
    private static S3Client s3;
    private static StackSeed seed;

    @BeforeAll
    static void seedSnapshots() {
        server = EmbeddedS3Server.start();
        s3 = server.newClient();
        seed = SeedLoader.loadDefault();
        SnapshotSeeder.seed(s3, seed);
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    @Test
    void shouldUploadFourSnapshotKindsPerShard() throws IOException {
        for (final String shard : List.of("shard-4", "shard-5")) {
            // When
            final Map<String, S3Object> objects = list("snapshots/" + shard + "/");

            // Then
            assertThat(objects.keySet()).containsExactlyInAnyOrder(
                    "snapshots/" + shard + "/2026-11-22T01-00/manifest.json",
                    "snapshots/" + shard + "/2026-11-22T01-00/part-0000.seg",
                    "snapshots/" + shard + "/2026-11-22T01-00/part-0001.seg",
                    "snapshots/" + shard + "/2026-11-29T01-00/manifest.json",
                    "snapshots/" + shard + "/2026-11-29T01-00/part-0000.seg",
                    "snapshots/" + shard + "/2026-11-29T01-00/part-0001.seg",
                    "snapshots/" + shard + "/2026-11-30T01-00/part-0000.seg",
                    "snapshots/" + shard + "/2026-11-30T01-00/part-0001.seg",
                    "snapshots/" + shard + "/2026-11-30T01-00/part-0002.seg",
                    "snapshots/" + shard + "/pre-upgrade-manual/manifest.json",
                    "snapshots/" + shard + "/pre-upgrade-manual/part-0000.seg");
            assertManifest(objects, shard, "2026-11-29T01-00", "2026-11-29T01:07:30Z");
            assertManifest(objects, shard, "2026-11-22T01-00", "2026-11-22T01:06:12Z");
            assertManifest(objects, shard, "pre-upgrade-manual", "2026-11-15T16:40:01Z");
        }
    }

    @Test
    void shouldGiveRecopiedSnapshotNewestLastModified() {
        for (final String shard : List.of("shard-4", "shard-5")) {
            // When
            final Map<String, S3Object> objects = list("snapshots/" + shard + "/");
            final Instant recopied = objects.get("snapshots/" + shard + "/2026-11-22T01-00/manifest.json").lastModified();

            // Then
            final Instant newestOther = objects.values().stream()
                    .filter(object -> !object.key().contains("/2026-11-22T01-00/"))
                    .map(S3Object::lastModified)
                    .max(Comparator.naturalOrder())
                    .orElseThrow();
            assertThat(recopied).isAfter(newestOther);
        }
    }

    @Test
    void shouldReadCompleteSnapshotsWithTheirDocuments() {
        // When
        final SnapshotRead newest = new SnapshotReader(s3).read(
                "s3://" + BUCKET + "/snapshots/shard-5/2026-11-29T01-00/");
        final SnapshotRead older = new SnapshotReader(s3).read(
                "s3://" + BUCKET + "/snapshots/shard-5/2026-11-22T01-00");

        // Then
        assertThat(newest.outcome()).isEqualTo(SnapshotRead.Outcome.COMPLETE);
        assertThat(newest.documents()).containsExactlyElementsOf(seed.documentsOf("shard-5"));
        assertThat(older.outcome()).isEqualTo(SnapshotRead.Outcome.COMPLETE);
        assertThat(older.documents()).extracting(Document::id)
                .doesNotContain("doc-kb-0330", "doc-kb-0331", "doc-eval-0012")
                .contains("doc-kb-1182");
    }

    @Test
    void shouldReportInterruptedAndMissingSnapshots() {
        // When
        final SnapshotReader reader = new SnapshotReader(s3);

        // Then
        assertThat(reader.read("s3://" + BUCKET + "/snapshots/shard-5/2026-11-30T01-00/").outcome())
                .isEqualTo(SnapshotRead.Outcome.MANIFEST_MISSING);
        assertThat(reader.read("s3://" + BUCKET + "/snapshots/shard-5/no-such-snapshot/").outcome())
                .isEqualTo(SnapshotRead.Outcome.MANIFEST_MISSING);
        assertThat(reader.read("s3://missing-bucket/snapshots/").outcome())
                .isEqualTo(SnapshotRead.Outcome.UNREADABLE);
        assertThat(reader.read("https://" + BUCKET + "/snapshots/").outcome())
                .isEqualTo(SnapshotRead.Outcome.INVALID_URI);
    }

    @Test
    void shouldReportPartWhoseSizeDiffersFromManifest() {
        // Given a copy of the newest snapshot whose second part lost its last line
        final String source = "snapshots/shard-4/2026-11-29T01-00/";
        final String copy = "snapshots/tampered/2026-11-29T01-00/";
        for (final String name : List.of("manifest.json", "part-0000.seg")) {
            s3.putObject(request -> request.bucket(BUCKET).key(copy + name),
                    RequestBody.fromBytes(s3.getObjectAsBytes(request -> request.bucket(BUCKET).key(source + name))
                            .asByteArray()));
        }
        final String part = s3.getObjectAsBytes(request -> request.bucket(BUCKET).key(source + "part-0001.seg"))
                .asUtf8String();
        final String truncated = part.substring(0, part.lastIndexOf('\n', part.length() - 2) + 1);
        s3.putObject(request -> request.bucket(BUCKET).key(copy + "part-0001.seg"), RequestBody.fromString(truncated));

        // When
        final SnapshotRead read = new SnapshotReader(s3).read("s3://" + BUCKET + "/" + copy);

        // Then
        assertThat(read.outcome()).isEqualTo(SnapshotRead.Outcome.PART_SIZE_MISMATCH);
        assertThat(read.detail()).contains("part-0001.seg");
        assertThat(read.documents()).isEmpty();
    }

    private void assertManifest(final Map<String, S3Object> objects, final String shard, final String snapshot,
            final String createdAt) throws IOException {
        final String prefix = "snapshots/" + shard + "/" + snapshot + "/";
        final SnapshotManifest manifest = new ObjectMapper().readValue(
                s3.getObjectAsBytes(request -> request.bucket(BUCKET).key(prefix + "manifest.json")).asByteArray(),
                SnapshotManifest.class);
        assertThat(manifest.shard()).isEqualTo(shard);
        assertThat(manifest.createdAt()).isEqualTo(createdAt);
        assertThat(manifest.docCount()).isPositive();
        for (final SnapshotManifest.Part part : manifest.parts()) {
            assertThat(objects.get(prefix + part.name()).size()).as(prefix + part.name()).isEqualTo(part.size());
        }
    }

    private Map<String, S3Object> list(final String prefix) {
        return s3.listObjectsV2Paginator(request -> request.bucket(BUCKET).prefix(prefix)).contents().stream()
                .collect(Collectors.toMap(S3Object::key, Function.identity()));
    }
}
