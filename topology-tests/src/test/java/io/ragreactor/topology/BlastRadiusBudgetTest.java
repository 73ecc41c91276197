package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RouteToReplica;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fleet-wide blast-radius budget: caps on active incidents and on shards marked unhealthy at once, a
 * minimum of healthy members per replica group, and routing to a healthy replica. Scoped recovery first:
 * an incident beyond the budget escalates instead of acting.
 */
class BlastRadiusBudgetTest {

    private static final Instant T0 = ReactorFixture.START;
    private static final String REPLICA_GROUP = "    groups: {shard-5: [shard-5, shard-5-replica-1]}";

    /** Sends three IO errors on {@code shardName} from {@code at} and returns the commands that follow. */
    private static List<RecoveryCommand> ioErrors(final ReactorFixture reactor, final String shardName, final Instant at) {
        for (int second = 0; second < 3; second++) {
            reactor.observe(ioError(shard(shardName), at.plusSeconds(second)));
        }
        return reactor.readCommands();
    }

    private static String summary(final RecoveryCommand escalation) {
        assertThat(escalation.getStep()).isEqualTo("escalate");
        return ((Escalate) escalation.getAction()).getSummary();
    }

    @Test
    void shouldEscalateShardBeyondUnhealthyShardCap() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given two shards marked unhealthy, the default cap
            assertThat(ioErrors(reactor, "shard-1", T0)).extracting(RecoveryCommand::getStep)
                    .containsExactly("mark-unhealthy");
            assertThat(ioErrors(reactor, "shard-2", T0.plusSeconds(5))).extracting(RecoveryCommand::getStep)
                    .containsExactly("mark-unhealthy");

            // When a third shard fails
            final List<RecoveryCommand> third = ioErrors(reactor, "shard-3", T0.plusSeconds(10));

            // Then it is not marked: a human decides on a failure that wide
            assertThat(third).hasSize(1);
            assertThat(third.get(0).getTarget()).isEqualTo(shard("shard-3"));
            assertThat(summary(third.get(0))).contains("mark-unhealthy not issued")
                    .contains("2 shards are marked unhealthy, the cap is 2");
        }
    }

    @Test
    void shouldEscalateIncidentBeyondActiveIncidentCap() {
        try (ReactorFixture reactor = new ReactorFixture(Map.of("policies.budget.maxConcurrentIncidents", "2",
                "policies.budget.maxUnhealthyShards", "10"))) {
            ioErrors(reactor, "shard-1", T0);
            ioErrors(reactor, "shard-2", T0.plusSeconds(5));

            final List<RecoveryCommand> third = ioErrors(reactor, "shard-3", T0.plusSeconds(10));

            assertThat(third).hasSize(1);
            assertThat(summary(third.get(0))).contains("2 incidents are active, the cap is 2");
        }
    }

    @Test
    void shouldGiveShareBackWhenIncidentCloses() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given two marked shards, and the first one recovers
            List<RecoveryCommand> pending = ioErrors(reactor, "shard-1", T0);
            ioErrors(reactor, "shard-2", T0.plusSeconds(5));
            while (!pending.isEmpty()) {
                final RecoveryCommand command = pending.get(0);
                reactor.report(succeeded(command, command.getIssuedAt().plusSeconds(1)));
                pending = reactor.readCommands();
            }

            // When a third shard fails
            final List<RecoveryCommand> third = ioErrors(reactor, "shard-3", T0.plusSeconds(30));

            // Then it gets the share the recovered shard gave back
            assertThat(third).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
        }
    }

    @Test
    void shouldKeepShareOfEscalatedIncident() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given one shard escalated and one marked
            final RecoveryCommand mark = ioErrors(reactor, "shard-1", T0).get(0);
            reactor.report(outcome(mark, OutcomeStatus.FAILED, T0.plusSeconds(3), "registry update failed"));
            reactor.report(outcome(reactor.readCommands().get(0), OutcomeStatus.FAILED, T0.plusSeconds(4), "again"));
            reactor.report(outcome(reactor.readCommands().get(0), OutcomeStatus.FAILED, T0.plusSeconds(5), "again"));
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            ioErrors(reactor, "shard-2", T0.plusSeconds(10));

            // When a third shard fails while the escalated one waits for a human
            final List<RecoveryCommand> third = ioErrors(reactor, "shard-3", T0.plusSeconds(20));

            // Then the escalated incident keeps its share
            assertThat(summary(third.get(0))).contains("shards are marked unhealthy");
        }
    }

    @Test
    void shouldRouteQueriesToHealthyReplica() {
        try (ReactorFixture reactor = new ReactorFixture(ReactorFixture.defaultRunbookWith("    groups: {}",
                REPLICA_GROUP), ReactorClock.WALL)) {
            // Given shard-5 with a healthy replica, and its mark succeeded
            final RecoveryCommand mark = ioErrors(reactor, "shard-5", T0).get(0);
            reactor.report(succeeded(mark, T0.plusSeconds(4)));

            // Then its queries go to the replica before the repair starts
            final List<RecoveryCommand> route = reactor.readCommands();
            assertThat(route).extracting(RecoveryCommand::getStep).containsExactly("route-to-replica");
            final RouteToReplica action = (RouteToReplica) route.get(0).getAction();
            assertThat(action.getShard()).isEqualTo("shard-5");
            assertThat(action.getReplica()).isEqualTo("shard-5-replica-1");
            assertThat(action.getConfigMap()).isEqualTo("rag-shard-registry");
            reactor.report(succeeded(route.get(0), T0.plusSeconds(5)));
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("reopen");
        }
    }

    @Test
    void shouldGoOnWithReopenWhenRoutingFails() {
        try (ReactorFixture reactor = new ReactorFixture(ReactorFixture.defaultRunbookWith("    groups: {}",
                REPLICA_GROUP), ReactorClock.WALL)) {
            final RecoveryCommand mark = ioErrors(reactor, "shard-5", T0).get(0);
            reactor.report(succeeded(mark, T0.plusSeconds(4)));
            for (int attempt = 1; attempt <= 3; attempt++) {
                final RecoveryCommand route = reactor.readCommands().get(0);
                assertThat(route.getStep()).isEqualTo("route-to-replica");
                reactor.report(outcome(route, OutcomeStatus.FAILED, T0.plusSeconds(4 + attempt), "conflict"));
            }

            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("reopen");
        }
    }

    @Test
    void shouldNotMarkLastHealthyMemberOfReplicaGroup() {
        try (ReactorFixture reactor = new ReactorFixture(ReactorFixture.defaultRunbookWith("    groups: {}",
                REPLICA_GROUP), ReactorClock.WALL)) {
            // Given the replica marked unhealthy: it had no healthy member to route to
            final List<RecoveryCommand> replica = ioErrors(reactor, "shard-5-replica-1", T0);
            assertThat(replica).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");

            // When shard-5, the group's last healthy member, fails too
            final List<RecoveryCommand> last = ioErrors(reactor, "shard-5", T0.plusSeconds(5));

            // Then it stays in service and a human decides
            assertThat(summary(last.get(0))).contains("would leave 0 healthy member(s)")
                    .contains("fewer than the minimum of 1");
        }
    }

    @Test
    void shouldMarkShardWithoutReplicaGroup() {
        try (ReactorFixture reactor = new ReactorFixture(ReactorFixture.defaultRunbookWith("    groups: {}",
                REPLICA_GROUP), ReactorClock.WALL)) {
            // A shard in no group has no replica: marking it is the ladder's safe mode, and there is no routing
            final RecoveryCommand mark = ioErrors(reactor, "shard-2", T0).get(0);
            reactor.report(succeeded(mark, T0.plusSeconds(4)));

            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("reopen");
        }
    }
}
