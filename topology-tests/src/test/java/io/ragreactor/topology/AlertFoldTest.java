package io.ragreactor.topology;

import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.shardStatus;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Alertmanager peers in HA, and its retries, deliver one alert several times: the reactor acts once per
 * fingerprint and startsAt, in its own state, so several receivers may run side by side.
 */
class AlertFoldTest {

    private static final Instant NOON = Instant.parse("2026-11-30T12:00:00Z");
    private static final AlertOrigin ALERT = Controls.firing("ShardUnavailable", "3fa1", Instant.parse(
            "2026-11-30T11:59:30Z"));

    /** The alert as the receiver turns it into a health event, received at {@code at}. */
    private static HealthEvent delivery(final Instant at) {
        return HealthEvent.newBuilder(shardStatus(shard("shard-5"), at, ShardHealth.UNAVAILABLE, 0))
                .setSource("alertmanager-receiver")
                .setAlertOrigin(ALERT)
                .build();
    }

    /** Moves the clock to {@code at}, delivers the alert then, and returns the shard's commands. */
    private static List<RecoveryCommand> deliverAt(final ReactorFixture reactor, final Instant at) {
        reactor.advanceClockTo(at);
        reactor.observe(delivery(at));
        return shardCommands(reactor);
    }

    /** The commands for shard-5; scheduled safety nets for other targets may come out as the clock moves. */
    private static List<RecoveryCommand> shardCommands(final ReactorFixture reactor) {
        return reactor.readCommands().stream().filter(command -> command.getTarget().equals(shard("shard-5"))).toList();
    }

    @Test
    void shouldActOnceOnDuplicateDeliveries() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given the alert delivered at 12:00:00.0 and again at 12:00:00.4 by a second Alertmanager peer
            final List<RecoveryCommand> first = deliverAt(reactor, NOON);
            final List<RecoveryCommand> second = deliverAt(reactor, NOON.plusMillis(400));

            // Then one alert opens one incident at once, with one command
            assertThat(first).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
            assertThat(second).isEmpty();
        }
    }

    @Test
    void shouldIgnoreRepeatIntervalDeliveryAfterRecovery() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given the alert's incident ran its ladder to recovery
            List<RecoveryCommand> pending = deliverAt(reactor, NOON);
            while (!pending.isEmpty()) {
                final RecoveryCommand command = pending.get(0);
                reactor.report(succeeded(command, command.getIssuedAt().plusSeconds(1)));
                pending = shardCommands(reactor);
            }

            // When Alertmanager's repeat interval delivers the same alert at 16:00
            final List<RecoveryCommand> repeat = deliverAt(reactor, Instant.parse("2026-11-30T16:00:00Z"));

            // Then it starts nothing: that alert was acted on
            assertThat(repeat).isEmpty();
        }
    }

    @Test
    void shouldStartNewAttemptOnRepeatWhenLastIncidentFailed() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given the alert's incident failed: a guard rejected its step, and an operator closed it
            final RecoveryCommand mark = deliverAt(reactor, NOON).get(0);
            reactor.report(outcome(mark, OutcomeStatus.REJECTED_BY_GUARD, NOON.plusSeconds(2), "registry locked"));
            final List<RecoveryCommand> escalation = shardCommands(reactor);
            assertThat(escalation).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            reactor.report(succeeded(escalation.get(0), NOON.plusSeconds(3)));
            reactor.instruct("incident/" + mark.getIncidentId(), Controls.incidentAction(mark.getIncidentId(),
                    shard("shard-5"), IncidentActionKind.RESOLVE, NOON.plusSeconds(600)));
            reactor.advanceClockTo(NOON.plusSeconds(602));

            // When the same alert is delivered again at 16:00
            final List<RecoveryCommand> repeat = deliverAt(reactor, Instant.parse("2026-11-30T16:00:00Z"));

            // Then it may start a new attempt
            assertThat(repeat).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
            assertThat(repeat.get(0).getIncidentId()).isNotEqualTo(mark.getIncidentId());
        }
    }
}
