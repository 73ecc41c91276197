package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.ProviderEvents.PRIMARY;
import static io.ragreactor.topology.ProviderEvents.serverError;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.schemas.command.RecoveryCommand;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Dry run of the provider-outage scenario alone, while the other scenarios act. */
class ProviderOutageDryRunTest {

    private static final Instant T0 = ReactorFixture.START;

    @Test
    void shouldDryRunOnlyProviderOutage() {
        // Given a runbook that puts the provider-outage scenario, and only it, in dry run
        try (ReactorFixture reactor = new ReactorFixture(ReactorFixture.defaultRunbookWith("    scenarios: []",
                "    scenarios: [providerOutage]"), ReactorClock.WALL)) {

            // When a provider outage and a shard failure are both detected
            for (int second = 1; second <= 5; second++) {
                reactor.observe(serverError(PRIMARY, T0.plusSeconds(second), 503));
                reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(second)));
            }

            // Then the provider's switch is a dry run and the shard's first step is not
            final List<RecoveryCommand> issued = reactor.readCommands();
            assertThat(issued).extracting(RecoveryCommand::getStep)
                    .containsExactlyInAnyOrder("switch-provider", "mark-unhealthy");
            assertThat(issued).filteredOn(command -> command.getStep().equals("switch-provider"))
                    .extracting(RecoveryCommand::getDryRun).containsExactly(true);
            assertThat(issued).filteredOn(command -> command.getStep().equals("mark-unhealthy"))
                    .extracting(RecoveryCommand::getDryRun).containsExactly(false);
        }
    }
}
