package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dry-run, for every scenario or for some: commands go out marked dry-run, and actuators change nothing. */
class DryRunPolicyTest {

    private static final Instant T0 = ReactorFixture.START;

    private static List<RecoveryCommand> threeIoErrors(final ReactorFixture reactor) {
        for (int second = 1; second <= 3; second++) {
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(second)));
        }
        return reactor.readCommands();
    }

    @Test
    void shouldMarkEveryCommandWhenDryRunCoversAll() {
        try (ReactorFixture reactor = new ReactorFixture(Map.of("policies.dryRun.all", "true"))) {
            // Given dry-run for every scenario, and an incident whose first step fails
            final List<RecoveryCommand> mark = threeIoErrors(reactor);
            reactor.report(outcome(mark.get(0), OutcomeStatus.REJECTED_BY_GUARD, T0.plusSeconds(5), "dry run"));

            // Then the step and the escalation that ends the ladder are both marked dry-run
            final List<RecoveryCommand> escalation = reactor.readCommands();
            assertThat(mark).extracting(RecoveryCommand::getDryRun).containsExactly(true);
            assertThat(escalation).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            assertThat(escalation).extracting(RecoveryCommand::getDryRun).containsExactly(true);
        }
    }

    @Test
    void shouldMarkCommandsOfListedScenarioOnly() {
        // Given dry-run for the shard-down scenario only
        try (ReactorFixture shardDown = new ReactorFixture(ReactorFixture.defaultRunbookWith(
                "    scenarios: []", "    scenarios: [shardDown]"), ReactorClock.WALL);
             ReactorFixture otherScenario = new ReactorFixture(ReactorFixture.defaultRunbookWith(
                     "    scenarios: []", "    scenarios: [providerOutage]"), ReactorClock.WALL)) {

            // When a shard goes down
            final List<RecoveryCommand> listed = threeIoErrors(shardDown);
            final List<RecoveryCommand> notListed = threeIoErrors(otherScenario);

            // Then its command is a dry run only where the shard-down scenario is listed
            assertThat(listed).extracting(RecoveryCommand::getDryRun).containsExactly(true);
            assertThat(notListed).extracting(RecoveryCommand::getDryRun).containsExactly(false);
        }
    }

    @Test
    void shouldIssueRealCommandsByDefault() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            assertThat(threeIoErrors(reactor)).extracting(RecoveryCommand::getDryRun).containsExactly(false);
        }
    }
}
