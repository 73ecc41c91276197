package io.ragreactor.actuators.restore;

import static io.ragreactor.actuators.restore.SnapshotFixtures.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.SideEffectHook;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

class SnapshotSelectorTest {

    private static EmbeddedS3Server server;
    private static S3Client s3;

    @BeforeAll
    static void startS3() {
        server = EmbeddedS3Server.start();
        s3 = server.newClient();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        server.close();
    }

    @Test
    void shouldChooseNewestCompleteSnapshotByManifest() {
        // Given the production layout, the re-copied snapshot uploaded last
        SnapshotFixtures.seedShard3(s3, "k17-layout");
        final ExecutionContext context = context();

        // When
        final SnapshotChoice choice = new SnapshotSelector(s3).choose("k17-layout", PREFIX, "shard-3", context);

        // Then
        assertThat(choice.chosen()).map(SnapshotCandidate::folder).contains("2026-11-29T01-00");
        assertThat(choice.chosenUri()).contains("s3://k17-layout/snapshots/shard-3/2026-11-29T01-00/");
        final Map<String, String> notes = notes(choice);
        assertThat(notes.get("2026-11-29T01-00")).isEqualTo("chosen");
        assertThat(notes.get("2026-11-22T01-00")).isEqualTo("complete, but older than the chosen snapshot");
        assertThat(notes.get("pre-upgrade-manual")).isEqualTo("complete, but older than the chosen snapshot");
        assertThat(notes.get("2026-11-30T01-00")).startsWith("skipped: no manifest.json");
        assertThat(choice.explanation()).startsWith("chose 2026-11-29T01-00/ (manifest createdAt 2026-11-29T01:07:30Z)");
        assertThat(context.calls()).contains("LIST s3://k17-layout/snapshots/shard-3/",
                "GET s3://k17-layout/snapshots/shard-3/2026-11-29T01-00/manifest.json");
    }

    @Test
    void shouldSkipSnapshotWithMissingOrShortPart() {
        // Given a newer snapshot whose manifest lists a part that is shorter in S3, and one with a part missing
        SnapshotFixtures.seedShard3(s3, "k17-broken-parts");
        SnapshotFixtures.uploadSnapshot(s3, "k17-broken-parts", "2026-12-01T01-00", "2026-12-01T01:05:00Z",
                List.of(400, 250));
        SnapshotFixtures.put(s3, "k17-broken-parts", PREFIX + "2026-12-01T01-00/part-0001.seg", new byte[100]);
        SnapshotFixtures.put(s3, "k17-broken-parts", PREFIX + "2026-12-02T01-00/manifest.json",
                ("{\"shard\":\"shard-3\",\"createdAt\":\"2026-12-02T01:05:00Z\",\"parts\":[{\"name\":\"part-0000.seg\","
                        + "\"size\":10}]}").getBytes(StandardCharsets.UTF_8));

        // When
        final SnapshotChoice choice = new SnapshotSelector(s3).choose("k17-broken-parts", PREFIX, "shard-3", context());

        // Then
        assertThat(choice.chosen()).map(SnapshotCandidate::folder).contains("2026-11-29T01-00");
        final Map<String, String> notes = notes(choice);
        assertThat(notes.get("2026-12-01T01-00")).isEqualTo("skipped: part part-0001.seg has 100 bytes,"
                + " manifest.json lists 250");
        assertThat(notes.get("2026-12-02T01-00")).isEqualTo("skipped: part part-0000.seg listed in manifest.json"
                + " is missing");
    }

    @Test
    void shouldChooseNothingWhenOnlyInterruptedUploadsExist() {
        // Given
        s3.createBucket(b -> b.bucket("k17-interrupted"));
        SnapshotFixtures.put(s3, "k17-interrupted", PREFIX + "2026-11-30T01-00/part-0000.seg", new byte[10]);

        // When
        final SnapshotChoice choice = new SnapshotSelector(s3).choose("k17-interrupted", PREFIX, "shard-3", context());

        // Then
        assertThat(choice.chosen()).isEmpty();
        assertThat(choice.explanation()).startsWith("no complete snapshot under s3://k17-interrupted/snapshots/shard-3/");
    }

    private static Map<String, String> notes(final SnapshotChoice choice) {
        return choice.candidates().stream().collect(Collectors.toMap(SnapshotCandidate::folder, SnapshotCandidate::note));
    }

    private static ExecutionContext context() {
        return new ExecutionContext(TestCommands.command("c-k17", "restore", TestCommands.escalate()),
                Clock.systemUTC(), Duration.ofMillis(50), SideEffectHook.NONE);
    }
}
