package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** After a recovery a shard is in cooldown (30 minutes by default): one more attempt, then a human. */
class ShardDownCooldownTest {

    private static final Instant T0 = ReactorFixture.START;

    /** Sends three IO errors from {@code at} on, after moving the clock there, and returns the commands. */
    private static List<RecoveryCommand> symptomsAt(final ReactorFixture reactor, final Instant at) {
        reactor.advanceClockTo(at);
        for (int second = 0; second < 3; second++) {
            reactor.observe(ioError(shard("shard-5"), at.plusSeconds(second)));
        }
        return reactor.readCommands();
    }

    /** Reports success for every command until the ladder closes the incident as recovered. */
    private static void recover(final ReactorFixture reactor, final List<RecoveryCommand> first) {
        List<RecoveryCommand> pending = first;
        while (!pending.isEmpty()) {
            assertThat(pending).hasSize(1);
            final RecoveryCommand command = pending.get(0);
            reactor.report(succeeded(command, command.getIssuedAt().plusSeconds(1)));
            pending = reactor.readCommands();
        }
        final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
        assertThat(updates.get(updates.size() - 1).getState()).isEqualTo(IncidentState.RECOVERED);
    }

    @Test
    void shouldEscalateFlappingShard() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a shard that recovered, then failed again five minutes later and recovered once more
            recover(reactor, symptomsAt(reactor, T0));
            final List<RecoveryCommand> repeat = symptomsAt(reactor, T0.plus(Duration.ofMinutes(5)));
            assertThat(repeat).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
            recover(reactor, repeat);

            // When it fails a third time within the cooldown
            final List<RecoveryCommand> third = symptomsAt(reactor, T0.plus(Duration.ofMinutes(10)));

            // Then no automatic step runs: the incident goes straight to a human
            assertThat(third).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            assertThat(((Escalate) third.get(0).getAction()).getSummary()).startsWith("flapping");
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates.get(updates.size() - 1).getState()).isEqualTo(IncidentState.ESCALATED);
        }
    }

    @Test
    void shouldRunLadderAfterCooldown() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            recover(reactor, symptomsAt(reactor, T0));
            recover(reactor, symptomsAt(reactor, T0.plus(Duration.ofMinutes(5))));

            // 31 minutes after the last recovery the shard is out of cooldown
            final List<RecoveryCommand> later = symptomsAt(reactor, T0.plus(Duration.ofMinutes(37)));

            assertThat(later).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
        }
    }
}
