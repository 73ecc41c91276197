package io.ragreactor.topology;

import static io.ragreactor.topology.Events.goldenQuery;
import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.shardStatus;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shard's own status reports: a symptom when degraded or shrinking, and the guard against needless restores. */
class ShardDownDocumentCountTest {

    private static final Instant T0 = ReactorFixture.START;
    private static final String SHARD = shard("shard-5");

    private static RecoveryCommand onlyCommand(final ReactorFixture reactor) {
        final List<RecoveryCommand> commands = reactor.readCommands();
        assertThat(commands).hasSize(1);
        return commands.get(0);
    }

    /** Opens an incident from three empty results, marks the shard, and fails the reopen. */
    private static void failReopen(final ReactorFixture reactor, final Instant from) {
        for (int second = 0; second < 3; second++) {
            reactor.observe(goldenQuery(SHARD, "gq-007", from.plusSeconds(second)));
        }
        reactor.report(succeeded(onlyCommand(reactor), from.plusSeconds(4)));
        final RecoveryCommand reopen = onlyCommand(reactor);
        assertThat(reopen.getStep()).isEqualTo("reopen");
        reactor.report(outcome(reopen, OutcomeStatus.FAILED, from.plusSeconds(6), "exit code 1"));
    }

    @Test
    void shouldCountUnavailableStatusAsSymptom() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            reactor.observe(ioError(SHARD, T0));
            reactor.observe(ioError(SHARD, T0.plusSeconds(1)));
            reactor.observe(shardStatus(SHARD, T0.plusSeconds(2), ShardHealth.UNAVAILABLE, 0));

            assertThat(onlyCommand(reactor).getStep()).isEqualTo("mark-unhealthy");
        }
    }

    @Test
    void shouldNotRestoreIntactIndex() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a shard that reported 1000 documents while healthy, then 995 (within 2 %)
            reactor.observe(shardStatus(SHARD, T0, ShardHealth.HEALTHY, 1000));
            reactor.observe(shardStatus(SHARD, T0.plusSeconds(5), ShardHealth.HEALTHY, 995));

            // When its golden queries come back empty and the reopen fails
            failReopen(reactor, T0.plusSeconds(10));

            // Then no restore replaces an intact index: a human decides
            final RecoveryCommand next = onlyCommand(reactor);
            assertThat(next.getStep()).isEqualTo("escalate");
            assertThat(((Escalate) next.getAction()).getSummary()).contains("reports 995 documents");
        }
    }

    @Test
    void shouldKeepCountsOnStatusWithoutCount() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a shard that reported 1000 documents while healthy
            reactor.observe(shardStatus(SHARD, T0, ShardHealth.HEALTHY, 1000));

            // When an alert reports it unavailable, with no document count, and the reopen fails
            reactor.observe(HealthEvent.newBuilder(shardStatus(SHARD, T0.plusSeconds(10), ShardHealth.UNAVAILABLE, 0))
                    .setPayload(new ShardStatus(ShardHealth.UNAVAILABLE, null))
                    .setAlertOrigin(Controls.firing("ShardUnavailable", "5d1c", T0))
                    .build());
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(12)));
            final RecoveryCommand reopen = onlyCommand(reactor);
            reactor.report(outcome(reopen, OutcomeStatus.FAILED, T0.plusSeconds(14), "exit code 1"));

            // Then the count known from before still shows the index intact: a human decides, no restore
            final RecoveryCommand next = onlyCommand(reactor);
            assertThat(next.getStep()).isEqualTo("escalate");
            assertThat(((Escalate) next.getAction()).getSummary()).contains("reports 1000 documents");
        }
    }

    @Test
    void shouldRestoreWhenDocumentCountDropped() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a shard whose document count fell by half, which is itself a symptom
            reactor.observe(shardStatus(SHARD, T0, ShardHealth.HEALTHY, 1000));
            reactor.observe(shardStatus(SHARD, T0.plusSeconds(5), ShardHealth.HEALTHY, 500));
            reactor.observe(ioError(SHARD, T0.plusSeconds(6)));
            reactor.observe(ioError(SHARD, T0.plusSeconds(7)));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(8)));
            final RecoveryCommand reopen = onlyCommand(reactor);

            // When the reopen fails
            reactor.report(outcome(reopen, OutcomeStatus.FAILED, T0.plusSeconds(9), "exit code 1"));

            // Then the ladder restores a snapshot
            assertThat(onlyCommand(reactor).getStep()).isEqualTo("restore");
        }
    }
}
