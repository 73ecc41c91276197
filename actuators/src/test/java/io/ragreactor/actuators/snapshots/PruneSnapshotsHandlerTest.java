package io.ragreactor.actuators.snapshots;

import static io.ragreactor.actuators.TestCommands.ISSUED_AT;
import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.SideEffectHook;
import io.ragreactor.actuators.restore.SnapshotFixtures;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import io.ragreactor.schemas.command.PruneSnapshots;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Prunes the shard-3 snapshot layout in the in-process S3 server. The executor's clock is fixed one minute after
 * the commands' issuedAt, so retention and deadlines do not depend on the day the test runs.
 */
class PruneSnapshotsHandlerTest {

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final String PREFIX = SnapshotFixtures.PREFIX;

    private static EmbeddedS3Server s3Server;
    private static S3Client s3;

    private String bucket;
    private CommandExecutor executor;

    @BeforeAll
    static void startS3() {
        s3Server = EmbeddedS3Server.start();
        s3 = s3Server.newClient();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
        s3Server.close();
    }

    @BeforeEach
    void seedSnapshots() {
        // Each test deletes objects, so each gets its own copy of the layout.
        bucket = "rag-prod-snapshots-" + BUCKETS.incrementAndGet();
        SnapshotFixtures.seedShard3(s3, bucket);
        executor = executorAt(ISSUED_AT.plusSeconds(60));
    }

    @Test
    void shouldDeleteCompleteSnapshotsOlderThanRetention() {
        // When retention is 7 days before 2026-12-01T12:00Z, so the cutoff is 2026-11-24T12:00Z
        final RecoveryOutcome outcome = executor.execute(command("c-prune-1", "prune", prune(7, 1)));

        // Then the two old complete snapshots are gone, the newest and the interrupted upload stay
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getDetail()).isEqualTo("deleted 2 snapshots (2026-11-22T01-00/, pre-upgrade-manual/) under"
                + " s3://" + bucket + "/" + PREFIX + ", kept 2");
        assertThat(folders()).containsExactly("2026-11-29T01-00", "2026-11-30T01-00");
        assertThat(keys()).hasSize(3 + 3).noneMatch(key -> key.endsWith(SnapshotInventory.PRUNE_MARKER));
        final String prune = evidence(outcome).getText();
        assertThat(prune).contains("- 2026-11-22T01-00/: deleted: complete, created 2026-11-22T01:06:12Z, older than"
                + " the retention");
        assertThat(prune).contains("- 2026-11-29T01-00/: kept: one of the newest 1 complete snapshots");
        assertThat(prune).contains("- 2026-11-30T01-00/: left alone: incomplete (no manifest.json, 3 objects)");
        assertThat(prune).contains("- pre-upgrade-manual/: deleted: complete, created 2026-11-15T16:40:01Z");
    }

    @Test
    void shouldDeleteManifestBeforeParts() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-prune-2", "prune", prune(7, 1)));

        // Then each folder is marked, its manifest goes first, its marker last
        final String folder = "s3://" + bucket + "/" + PREFIX + "pre-upgrade-manual/";
        assertThat(outcome.getCalls()).containsSubsequence(
                "PUT " + folder + "prune-in-progress",
                "DELETE " + folder + "manifest.json",
                "DELETE " + folder + "part-0000.seg",
                "DELETE " + folder + "prune-in-progress");
        assertThat(outcome.getCalls()).noneMatch(call -> call.contains("2026-11-29T01-00") && !call.startsWith("GET"));
    }

    @Test
    void shouldKeepNewestCompleteSnapshotsWhateverTheirAge() {
        // Given a command issued a year later, when every snapshot is older than the retention
        final RecoveryOutcome outcome = executorAt(ISSUED_AT.plus(Duration.ofDays(365)).plusSeconds(60))
                .execute(issuedAt(command("c-prune-3", "prune", prune(14, 2)), ISSUED_AT.plus(Duration.ofDays(365))));

        // Then the two newest complete snapshots and the incomplete one stay
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(folders()).containsExactly("2026-11-22T01-00", "2026-11-29T01-00", "2026-11-30T01-00");
    }

    @Test
    void shouldKeepSnapshotsWithinRetention() {
        // When retention is 14 days, so the cutoff is 2026-11-17T12:00Z
        final RecoveryOutcome outcome = executor.execute(command("c-prune-4", "prune", prune(14, 1)));

        // Then only the manual snapshot of 11-15 is old enough
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(folders()).containsExactly("2026-11-22T01-00", "2026-11-29T01-00", "2026-11-30T01-00");
        assertThat(evidence(outcome).getText()).contains("- 2026-11-22T01-00/: kept: complete, created"
                + " 2026-11-22T01:06:12Z, within the retention");
    }

    @Test
    void shouldLeaveOldIncompleteSnapshotsAlone() {
        // Given an old snapshot whose manifest lists a part that is missing
        SnapshotFixtures.uploadSnapshot(s3, bucket, "2026-10-01T01-00", "2026-10-01T01:05:00Z", List.of(100, 200));
        s3.deleteObject(d -> d.bucket(bucket).key(PREFIX + "2026-10-01T01-00/part-0001.seg"));

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-prune-5", "prune", prune(7, 1)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(folders()).contains("2026-10-01T01-00");
        assertThat(evidence(outcome).getText()).contains("- 2026-10-01T01-00/: left alone: incomplete (part"
                + " part-0001.seg listed in manifest.json is missing)");
    }

    @Test
    void shouldDeleteNothingMoreWhenDeliveredTwice() {
        // Given
        final RecoveryOutcome first = executor.execute(command("c-prune-6", "prune", prune(7, 1)));
        final List<String> keysAfterFirst = keys();

        // When
        final RecoveryOutcome again = executor.execute(command("c-prune-6", "prune", prune(7, 1)));

        // Then
        assertThat(again.getStatus()).isEqualTo(first.getStatus());
        assertThat(again.getReason()).isEqualTo(first.getReason());
        assertThat(again.getDetail()).isEqualTo("no snapshot under s3://" + bucket + "/" + PREFIX
                + " is due for deletion; nothing deleted");
        assertThat(again.getCalls()).allMatch(call -> call.startsWith("LIST ") || call.startsWith("GET "));
        assertThat(keys()).isEqualTo(keysAfterFirst);
    }

    @Test
    void shouldFinishFolderAnEarlierDeliveryStarted() {
        // Given an earlier delivery marked 2026-11-22T01-00 and deleted its manifest, then stopped
        final String folder = PREFIX + "2026-11-22T01-00/";
        SnapshotFixtures.put(s3, bucket, folder + SnapshotInventory.PRUNE_MARKER,
                "c-prune-7".getBytes(StandardCharsets.UTF_8));
        s3.deleteObject(d -> d.bucket(bucket).key(folder + "manifest.json"));

        // When the command is delivered again
        final RecoveryOutcome outcome = executor.execute(command("c-prune-7", "prune", prune(7, 1)));

        // Then the folder's remaining parts and marker are deleted too
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(folders()).doesNotContain("2026-11-22T01-00");
        assertThat(evidence(outcome).getText())
                .contains("- 2026-11-22T01-00/: deleted: an earlier delivery of this command started deleting it");
    }

    @Test
    void shouldLeaveFolderOfAnotherInterruptedPruneAlone() {
        // Given another command's interrupted prune of 2026-11-22T01-00
        final String folder = PREFIX + "2026-11-22T01-00/";
        SnapshotFixtures.put(s3, bucket, folder + SnapshotInventory.PRUNE_MARKER,
                "c-prune-old".getBytes(StandardCharsets.UTF_8));
        s3.deleteObject(d -> d.bucket(bucket).key(folder + "manifest.json"));

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-prune-8", "prune", prune(7, 1)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(keys()).contains(folder + SnapshotInventory.PRUNE_MARKER, folder + "part-0000.seg");
        assertThat(evidence(outcome).getText()).contains("- 2026-11-22T01-00/: left alone: an interrupted prune by"
                + " command [c-prune-old]");
    }

    @Test
    void shouldChangeNothingInDryRun() {
        // Given
        final List<String> keysBefore = keys();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-prune-9", "prune", prune(7, 1), true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).contains(
                "DELETE s3://" + bucket + "/" + PREFIX + "pre-upgrade-manual/manifest.json",
                "DELETE s3://" + bucket + "/" + PREFIX + "2026-11-22T01-00/part-0001.seg");
        assertThat(keys()).isEqualTo(keysBefore);
        assertThat(evidence(outcome).getText()).contains("- pre-upgrade-manual/: would delete: complete, created");
    }

    @Test
    void shouldDeleteNothingAfterDeadline() {
        // Given a clock past the command's deadline
        final CommandExecutor late = executorAt(ISSUED_AT.plusSeconds(601));
        final List<String> keysBefore = keys();

        // When
        final RecoveryOutcome outcome = late.execute(command("c-prune-10", "prune", prune(7, 1)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(outcome.getDetail()).contains("after deleting 0 of 2 snapshots");
        assertThat(keys()).isEqualTo(keysBefore);
        assertThat(evidence(outcome).getText()).contains("- pre-upgrade-manual/: not deleted before the deadline: complete,"
                + " created 2026-11-15T16:40:01Z, older than the retention");
    }

    @Test
    void shouldRejectRetentionBelowMinimum() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-prune-11", "prune", prune(1, 1)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getDetail()).startsWith("retentionDays [1]");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectKeepingNoSnapshot() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-prune-12", "prune", prune(7, 0)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getDetail()).startsWith("keepAtLeast [0]");
    }

    @Test
    void shouldRejectBadBucketAndPrefix() {
        // Given
        final PruneSnapshots badBucket = prune(7, 1);
        badBucket.setBucket("Bad_Bucket");
        final PruneSnapshots emptyPrefix = prune(7, 1);
        emptyPrefix.setPrefix("/");
        final PruneSnapshots climbingPrefix = prune(7, 1);
        climbingPrefix.setPrefix("snapshots/../");

        // When
        final RecoveryOutcome bucketOutcome = executor.execute(command("c-prune-13", "prune", badBucket));
        final RecoveryOutcome emptyOutcome = executor.execute(command("c-prune-14", "prune", emptyPrefix));
        final RecoveryOutcome climbingOutcome = executor.execute(command("c-prune-15", "prune", climbingPrefix));

        // Then
        assertThat(bucketOutcome.getDetail()).startsWith("bucket [Bad_Bucket]");
        assertThat(emptyOutcome.getDetail()).startsWith("prefix [/]");
        assertThat(climbingOutcome.getDetail()).startsWith("prefix [snapshots/../]");
        assertThat(List.of(bucketOutcome, emptyOutcome, climbingOutcome)).extracting(RecoveryOutcome::getStatus)
                .containsOnly(OutcomeStatus.REJECTED_BY_GUARD);
    }

    private PruneSnapshots prune(final int retentionDays, final int keepAtLeast) {
        return PruneSnapshots.newBuilder().setBucket(bucket).setPrefix(PREFIX).setRetentionDays(retentionDays)
                .setKeepAtLeast(keepAtLeast).build();
    }

    private static RecoveryCommand issuedAt(final RecoveryCommand command, final Instant issuedAt) {
        command.setIssuedAt(issuedAt);
        command.setDeadline(issuedAt.plusSeconds(600));
        return command;
    }

    private static CommandExecutor executorAt(final Instant now) {
        final List<ActionHandler<?>> handlers = List.of(new PruneSnapshotsHandler(s3));
        return new CommandExecutor(handlers, new Guards(Set.of(TestCommands.NAMESPACE)), TestCommands.INSTANCE,
                Clock.fixed(now, ZoneOffset.UTC), Duration.ofMillis(50), SideEffectHook.NONE);
    }

    private List<String> keys() {
        return s3.listObjectsV2Paginator(l -> l.bucket(bucket).prefix(PREFIX)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    private List<String> folders() {
        return keys().stream().map(key -> key.substring(PREFIX.length(), key.indexOf('/', PREFIX.length())))
                .distinct().sorted().toList();
    }

    private static Evidence evidence(final RecoveryOutcome outcome) {
        return outcome.getEvidence().stream().filter(e -> "snapshot-prune".equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no snapshot-prune evidence in " + outcome.getEvidence()));
    }
}
