package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.shardStatus;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.CreateSnapshot;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.ProbeProviderCredentials;
import io.ragreactor.schemas.command.PruneSnapshots;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RestoreDrill;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Safety nets as scheduled commands: a daily snapshot with retention per shard, a monthly restore drill,
 * a periodic probe of the backup provider's credentials.
 */
class SafetyNetScheduleTest {

    private static final Instant T0 = ReactorFixture.START;
    private static final Instant NEXT_SNAPSHOT = Instant.parse("2026-12-01T01:00:00Z");
    private static final Instant NEXT_DRILL = Instant.parse("2026-12-01T03:00:00Z");

    /** A fixture that has seen a healthy shard-5 once, and whose timer has noticed it. */
    private static ReactorFixture withShardSeen() {
        final ReactorFixture reactor = new ReactorFixture();
        reactor.observe(shardStatus(shard("shard-5"), T0, ShardHealth.HEALTHY, 1000));
        reactor.advanceClockTo(T0.plusSeconds(1));
        return reactor;
    }

    private static List<RecoveryCommand> shardCommands(final ReactorFixture reactor) {
        return reactor.readCommands().stream().filter(command -> command.getTarget().equals(shard("shard-5"))).toList();
    }

    @Test
    void shouldSnapshotAndPruneEachShardDaily() {
        try (ReactorFixture reactor = withShardSeen()) {
            // When the clock passes the next day's snapshot time, and later passes it again within that day
            reactor.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(5));
            final List<RecoveryCommand> due = shardCommands(reactor);
            reactor.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(600));

            // Then one snapshot and one pruning go out for the slot, timed at the slot itself
            assertThat(due).extracting(RecoveryCommand::getStep).containsExactly("snapshot", "prune-snapshots");
            assertThat(due).extracting(RecoveryCommand::getIssuedAt).containsOnly(NEXT_SNAPSHOT);
            final CreateSnapshot snapshot = (CreateSnapshot) due.get(0).getAction();
            assertThat(snapshot.getPrefix()).isEqualTo("snapshots/shard-5/");
            assertThat(snapshot.getJob().getNamePrefix()).isEqualTo("snapshot-shard-5");
            final PruneSnapshots prune = (PruneSnapshots) due.get(1).getAction();
            assertThat(prune.getRetentionDays()).isEqualTo(10);
            assertThat(prune.getKeepAtLeast()).isEqualTo(1);
            assertThat(shardCommands(reactor)).isEmpty();
        }
    }

    @Test
    void shouldGiveSameCommandsWhicheverTickNoticesSlot() {
        try (ReactorFixture early = withShardSeen(); ReactorFixture late = withShardSeen()) {
            // When one reactor's timer notices the slot after 5 seconds and the other's after 40 minutes
            early.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(5));
            late.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(2400));

            // Then both issue the same commands, ids included
            assertThat(shardCommands(late)).isEqualTo(shardCommands(early));
        }
    }

    @Test
    void shouldNotPruneSnapshotsOfShardWithActiveIncident() {
        try (ReactorFixture reactor = withShardSeen()) {
            // Given shard-5 escalated and waiting for a human
            for (int second = 2; second <= 4; second++) {
                reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(second)));
            }
            final RecoveryCommand mark = reactor.readCommands().get(0);
            reactor.report(outcome(mark, OutcomeStatus.REJECTED_BY_GUARD, T0.plusSeconds(5), "registry locked"));
            reactor.report(succeeded(reactor.readCommands().get(0), T0.plusSeconds(6)));

            // When the snapshot time comes
            reactor.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(5));

            // Then the shard is snapshotted but its old snapshots are kept as evidence
            assertThat(shardCommands(reactor)).extracting(RecoveryCommand::getStep).containsExactly("snapshot");
        }
    }

    @Test
    void shouldRunMonthlyRestoreDrillInScratchNamespace() {
        try (ReactorFixture reactor = withShardSeen()) {
            reactor.advanceClockTo(NEXT_DRILL.plusSeconds(5));

            final List<RecoveryCommand> drills = shardCommands(reactor).stream()
                    .filter(command -> command.getStep().equals("restore-drill")).toList();
            assertThat(drills).hasSize(1);
            final RestoreDrill drill = (RestoreDrill) drills.get(0).getAction();
            assertThat(drill.getScratchNamespace()).isEqualTo("rag-drill");
            assertThat(drill.getRestore().getNamespace()).isEqualTo("rag-drill");
            assertThat(drill.getRestore().getPrefix()).isEqualTo("snapshots/shard-5/");
            assertThat(drill.getValidation().getShard()).isEqualTo("shard-5");
            assertThat(drill.getValidation().getRetrieverUrl()).isEqualTo("http://retriever.rag-drill.svc:8080");
            assertThat(drills.get(0).getIssuedAt()).isEqualTo(NEXT_DRILL);
        }
    }

    @Test
    void shouldProbeBackupCredentialsEverySixHours() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a reactor that started at 09:12, between two slots
            reactor.advanceClockTo(T0.plusSeconds(1));
            assertThat(reactor.readCommands()).isEmpty();

            // When the clock passes 12:00 and then 18:00
            reactor.advanceClockTo(Instant.parse("2026-11-30T12:00:01Z"));
            final List<RecoveryCommand> noon = reactor.readCommands();
            reactor.advanceClockTo(Instant.parse("2026-11-30T18:00:01Z"));
            final List<RecoveryCommand> evening = reactor.readCommands();

            // Then one probe of the backup provider goes out per slot
            assertThat(noon).extracting(RecoveryCommand::getStep).containsExactly("probe-credentials");
            assertThat(noon.get(0).getTarget()).isEqualTo("rag-prod/generator/backup-llm");
            final ProbeProviderCredentials probe = (ProbeProviderCredentials) noon.get(0).getAction();
            assertThat(probe.getProvider()).isEqualTo("backup-llm");
            assertThat(probe.getCredentialRef()).isEqualTo("backup-llm-api-key");
            assertThat(evening).extracting(RecoveryCommand::getIssuedAt)
                    .containsExactly(Instant.parse("2026-11-30T18:00:00Z"));
        }
    }

    @Test
    void shouldEscalateFailedSnapshot() {
        try (ReactorFixture reactor = withShardSeen()) {
            // Given the daily snapshot
            reactor.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(5));
            final RecoveryCommand snapshot = shardCommands(reactor).get(0);

            // When it fails
            reactor.report(outcome(snapshot, OutcomeStatus.FAILED, NEXT_SNAPSHOT.plusSeconds(300), "bucket unreachable"));

            // Then a human hears of it, with the outcome as evidence
            final List<RecoveryCommand> escalation = shardCommands(reactor);
            assertThat(escalation).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            final Escalate action = (Escalate) escalation.get(0).getAction();
            assertThat(action.getSummary()).contains("snapshot").contains("bucket unreachable");
            assertThat(escalation.get(0).getCauseEventIds()).containsExactly("outcome:" + snapshot.getCommandId());
        }
    }

    @Test
    void shouldHoldBackSnapshotWhileKillSwitchIsEngaged() {
        try (ReactorFixture reactor = withShardSeen()) {
            // Given the kill switch engaged over the snapshot time
            reactor.instruct("kill-switch", Controls.killSwitch(true, T0.plusSeconds(2)));
            reactor.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(5));
            assertThat(shardCommands(reactor)).isEmpty();

            // When it is withdrawn
            reactor.instruct("kill-switch", null);
            reactor.advanceClockTo(NEXT_SNAPSHOT.plusSeconds(3600));

            // Then the slot's snapshot goes out
            assertThat(shardCommands(reactor)).extracting(RecoveryCommand::getIssuedAt).containsOnly(NEXT_SNAPSHOT);
        }
    }
}
