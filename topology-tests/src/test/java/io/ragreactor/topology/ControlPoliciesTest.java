package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.junit.jupiter.api.Test;

/** Operators' instructions on the control topic: silences, maintenance windows, the kill switch, incident actions. */
class ControlPoliciesTest {

    private static final Instant T0 = ReactorFixture.START;

    /**
     * Moves the clock to {@code at}, sends three IO errors on {@code shardName} from there and returns the
     * shard's commands; other targets' retries may come out as the clock moves.
     */
    private static List<RecoveryCommand> ioErrors(final ReactorFixture reactor, final String shardName, final Instant at) {
        reactor.advanceClockTo(at);
        for (int second = 0; second < 3; second++) {
            reactor.observe(ioError(shard(shardName), at.plusSeconds(second)));
        }
        return new ArrayList<>(reactor.readCommands().stream()
                .filter(command -> command.getTarget().equals(shard(shardName))).toList());
    }

    /** Reports that the escalation {@code command} reached the on-call channel. */
    private static void delivered(final ReactorFixture reactor, final RecoveryCommand command) {
        assertThat(command.getStep()).isEqualTo("escalate");
        reactor.report(succeeded(command, command.getIssuedAt().plusSeconds(1)));
    }

    private static IncidentUpdate lastUpdate(final ReactorFixture reactor) {
        final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
        assertThat(updates).isNotEmpty();
        return updates.get(updates.size() - 1);
    }

    /** Reports success for every command until the ladder stops issuing them. */
    private static void succeedAll(final ReactorFixture reactor, final List<RecoveryCommand> first) {
        List<RecoveryCommand> pending = first;
        while (!pending.isEmpty()) {
            assertThat(pending).hasSize(1);
            final RecoveryCommand command = pending.get(0);
            reactor.report(succeeded(command, command.getIssuedAt().plusSeconds(1)));
            pending = reactor.readCommands();
        }
    }

    @Test
    void shouldOpenNoIncidentForSilencedShard() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a silence of shard-5 for the next hour
            reactor.instruct("silence/shard-5-disk-swap", Controls.silence("vectorstore", "shard-5", T0,
                    T0.plus(Duration.ofHours(1))));

            // When shard-5 and shard-4 both show three IO errors
            final List<RecoveryCommand> silenced = ioErrors(reactor, "shard-5", T0.plusSeconds(10));
            final List<RecoveryCommand> other = ioErrors(reactor, "shard-4", T0.plusSeconds(20));

            // Then only shard-4 gets a recovery, and the silenced symptoms are counted
            assertThat(silenced).isEmpty();
            assertThat(other).extracting(RecoveryCommand::getTarget).containsExactly(shard("shard-4"));
            final Metric suppressed = reactor.driver.metrics().entrySet().stream()
                    .filter(entry -> entry.getKey().name().equals("symptoms-suppressed-total"))
                    .map(Map.Entry::getValue).findFirst().orElseThrow();
            assertThat(suppressed.metricValue()).isEqualTo(3.0);

            // And once the silence has ended, shard-5's symptoms open an incident again
            final List<RecoveryCommand> after = ioErrors(reactor, "shard-5", T0.plus(Duration.ofMinutes(61)));
            assertThat(after).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
        }
    }

    @Test
    void shouldSilenceEveryInstanceOfComponent() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a silence of the whole vectorstore component
            reactor.instruct("silence/vectorstore-upgrade", Controls.silence("vectorstore", null, T0,
                    T0.plus(Duration.ofHours(1))));

            // When two shards show symptoms
            final List<RecoveryCommand> commands = ioErrors(reactor, "shard-5", T0.plusSeconds(10));
            commands.addAll(ioErrors(reactor, "shard-4", T0.plusSeconds(20)));

            // Then neither gets a recovery
            assertThat(commands).isEmpty();
            assertThat(reactor.incidents.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldEscalateRunningLadderWhenMaintenanceStarts() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an incident on shard-5 whose mark-unhealthy step is pending
            final List<RecoveryCommand> mark = ioErrors(reactor, "shard-5", T0);
            assertThat(mark).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");

            // When a maintenance window of the vectorstore starts, and then the mark succeeds
            reactor.instruct("maintenance/vectorstore-reindex", Controls.maintenance("vectorstore", null,
                    T0.plusSeconds(3), T0.plus(Duration.ofHours(2))));
            reactor.report(succeeded(mark.get(0), T0.plusSeconds(5)));

            // Then the ladder does not reopen the index during the maintenance: it hands the incident to a human
            final List<RecoveryCommand> next = reactor.readCommands();
            assertThat(next).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            assertThat(((Escalate) next.get(0).getAction()).getSummary())
                    .contains("reopen not issued").contains("under maintenance maintenance/vectorstore-reindex");
            assertThat(lastUpdate(reactor).getState()).isEqualTo(IncidentState.ESCALATED);
        }
    }

    @Test
    void shouldOpenNoIncidentWhileKillSwitchIsEngaged() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given the kill switch engaged
            reactor.instruct("kill-switch", Controls.killSwitch(true, T0));

            // When shard-5 shows symptoms
            final List<RecoveryCommand> stopped = ioErrors(reactor, "shard-5", T0.plusSeconds(10));

            // Then nothing happens
            assertThat(stopped).isEmpty();

            // And after the switch is withdrawn, symptoms open incidents again
            reactor.instruct("kill-switch", null);
            final List<RecoveryCommand> resumed = ioErrors(reactor, "shard-4", T0.plusSeconds(30));
            assertThat(resumed).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
        }
    }

    @Test
    void shouldEscalateAtNextStepWhenKillSwitchEngages() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an incident whose mark-unhealthy step is pending
            final List<RecoveryCommand> mark = ioErrors(reactor, "shard-5", T0);

            // When the kill switch is engaged before the step's outcome arrives
            reactor.instruct("kill-switch", Controls.killSwitch(true, T0.plusSeconds(3)));
            reactor.report(succeeded(mark.get(0), T0.plusSeconds(5)));

            // Then the next step becomes an escalation naming the kill switch
            final List<RecoveryCommand> next = reactor.readCommands();
            assertThat(next).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            assertThat(((Escalate) next.get(0).getAction()).getSummary()).contains("kill switch is engaged");
        }
    }

    @Test
    void shouldHoldEscalatedTargetUntilOperatorResolvesIt() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an incident escalated because a guard rejected its first step
            final RecoveryCommand mark = ioErrors(reactor, "shard-5", T0).get(0);
            reactor.report(outcome(mark, OutcomeStatus.REJECTED_BY_GUARD, T0.plusSeconds(4), "minimum healthy replicas"));
            final List<RecoveryCommand> escalation = reactor.readCommands();
            assertThat(escalation).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            delivered(reactor, escalation.get(0));

            // When more symptoms arrive while it waits for a human
            final List<RecoveryCommand> held = ioErrors(reactor, "shard-5", T0.plusSeconds(60));

            // Then they fold into it: no new automatic incident
            assertThat(held).isEmpty();

            // When an operator resolves it through the control topic
            reactor.instruct("incident/" + mark.getIncidentId(), Controls.incidentAction(mark.getIncidentId(),
                    shard("shard-5"), IncidentActionKind.RESOLVE, T0.plusSeconds(90)));
            reactor.advanceClockTo(T0.plusSeconds(92));

            // Then it closes as resolved, and the next symptoms start a new incident
            final IncidentUpdate resolved = lastUpdate(reactor);
            assertThat(resolved.getState()).isEqualTo(IncidentState.RESOLVED);
            assertThat(resolved.getChange()).isEqualTo("resolved by oncall@example.org: topology test");
            final List<RecoveryCommand> next = ioErrors(reactor, "shard-5", T0.plusSeconds(120));
            assertThat(next).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
            assertThat(next.get(0).getIncidentId()).isNotEqualTo(mark.getIncidentId());
        }
    }

    @Test
    void shouldRunLadderAgainWhenOperatorHandsBackFlappingShard() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a shard escalated for flapping: two recoveries within the cooldown, then a third incident
            succeedAll(reactor, ioErrors(reactor, "shard-5", T0));
            succeedAll(reactor, ioErrors(reactor, "shard-5", T0.plus(Duration.ofMinutes(5))));
            final RecoveryCommand escalation = ioErrors(reactor, "shard-5", T0.plus(Duration.ofMinutes(10))).get(0);
            delivered(reactor, escalation);

            // When an operator hands it back to automation
            reactor.instruct("incident/" + escalation.getIncidentId(), Controls.incidentAction(
                    escalation.getIncidentId(), shard("shard-5"), IncidentActionKind.HAND_BACK,
                    T0.plus(Duration.ofMinutes(12))));
            reactor.advanceClockTo(T0.plus(Duration.ofMinutes(12)).plusSeconds(2));
            assertThat(lastUpdate(reactor).getChange()).startsWith("handed back to automation");

            // Then the next symptoms, still within the cooldown, run the ladder instead of escalating
            final List<RecoveryCommand> next = ioErrors(reactor, "shard-5", T0.plus(Duration.ofMinutes(14)));
            assertThat(next).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
        }
    }

    @Test
    void shouldKeepFlapDampingWhenOperatorResolvesFlappingShard() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a shard escalated for flapping
            succeedAll(reactor, ioErrors(reactor, "shard-5", T0));
            succeedAll(reactor, ioErrors(reactor, "shard-5", T0.plus(Duration.ofMinutes(5))));
            final RecoveryCommand escalation = ioErrors(reactor, "shard-5", T0.plus(Duration.ofMinutes(10))).get(0);
            delivered(reactor, escalation);

            // When an operator resolves it (rather than handing it back)
            reactor.instruct("incident/" + escalation.getIncidentId(), Controls.incidentAction(
                    escalation.getIncidentId(), shard("shard-5"), IncidentActionKind.RESOLVE,
                    T0.plus(Duration.ofMinutes(12))));
            reactor.advanceClockTo(T0.plus(Duration.ofMinutes(12)).plusSeconds(2));

            // Then symptoms within the cooldown still go straight to a human
            final List<RecoveryCommand> next = ioErrors(reactor, "shard-5", T0.plus(Duration.ofMinutes(14)));
            assertThat(next).extracting(RecoveryCommand::getStep).containsExactly("escalate");
        }
    }
}
