package io.ragreactor.topology;

import static io.ragreactor.topology.Events.goldenQuery;
import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.shard;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardDownDetectionTest {

    private static final Instant T0 = ReactorFixture.START;

    @Test
    void shouldMarkUnhealthyAfterThreeSymptoms() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given shard-5 degrading as in the golden-query sample: empty sets, a low score, IO errors
            reactor.observe(goldenQuery(shard("shard-5"), "gq-005", T0, "doc-err-1042", 0.94));
            reactor.observe(goldenQuery(shard("shard-5"), "gq-007", T0.plusSeconds(60)));
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(90)));
            assertThat(reactor.commands.isEmpty()).isTrue();

            // When the third symptom arrives
            reactor.observe(goldenQuery(shard("shard-5"), "gq-012", T0.plusSeconds(120), "doc-kb-4410", 0.31));

            // Then exactly one command marks the shard unhealthy, issued at the crossing symptom's time
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).hasSize(1);
            final RecoveryCommand command = commands.get(0);
            assertThat(command.getStep()).isEqualTo("mark-unhealthy");
            assertThat(command.getTarget()).isEqualTo("rag-prod/vectorstore/shard-5");
            assertThat(command.getIssuedAt()).isEqualTo(T0.plusSeconds(120));
            assertThat(command.getCauseEventIds()).hasSize(3);
            assertThat(command.getAction()).isEqualTo(new MarkShardUnhealthy("rag-prod", "rag-shard-registry", "shard-5"));

            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates).extracting(IncidentUpdate::getState).containsOnly(IncidentState.OPEN);
            assertThat(updates.get(0).getFirstSymptomAt()).isEqualTo(T0.plusSeconds(60));
            assertThat(updates.get(0).getInputTopic()).isEqualTo("rag.health");
        }
    }

    @Test
    void shouldIgnoreOneEmptyResult() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given shard-4's healthy results from the sample
            reactor.observe(goldenQuery(shard("shard-4"), "gq-003", T0, "doc-pol-0107", 0.91, "doc-kb-2210", 0.88));
            reactor.observe(goldenQuery(shard("shard-4"), "gq-008", T0.plusSeconds(60), "doc-kb-0330", 0.89));
            reactor.observe(goldenQuery(shard("shard-4"), "gq-002", T0.plusSeconds(180), "doc-pol-0041", 0.93));

            // When one empty result follows
            reactor.observe(goldenQuery(shard("shard-4"), "gq-010", T0.plusSeconds(200)));

            // Then no incident opens
            assertThat(reactor.commands.isEmpty()).isTrue();
            assertThat(reactor.incidents.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldNotCountSymptomsOutsideTheWindow() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            reactor.observe(ioError(shard("shard-5"), T0));
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(200)));
            reactor.advanceClockTo(T0.plusSeconds(400));

            // Six minutes after the first symptom, the first no longer counts towards 3 within 5 minutes
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(360)));

            assertThat(reactor.commands.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldIssueOneCommandPerBurst() {
        // K02: IO errors for shard-3 at 12:00:01 to :05, threshold 3 per minute
        try (ReactorFixture reactor = new ReactorFixture(Map.of("shardDown.detection.window", "1m"))) {
            for (int second = 1; second <= 5; second++) {
                reactor.observe(ioError(shard("shard-3"), T0.plusSeconds(second)));
            }

            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).hasSize(1);
            assertThat(commands.get(0).getStep()).isEqualTo("mark-unhealthy");
            assertThat(commands.get(0).getTarget()).isEqualTo("rag-prod/vectorstore/shard-3");
        }
    }

    @Test
    void shouldOpenIncidentFromBurstFollowedBySilence() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a burst of three symptoms and then no record at all
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(1)));
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(2)));
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(3)));

            // Then the incident is open without waiting for a later record or a window to close
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates).isNotEmpty();
            assertThat(updates.get(0).getChange()).startsWith("opened");
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
        }
    }

    @Test
    void shouldIgnoreTargetsOfOtherComponents() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            for (int second = 1; second <= 3; second++) {
                reactor.observe(ioError("rag-prod/generator/generator", T0.plusSeconds(second)));
            }
            assertThat(reactor.commands.isEmpty()).isTrue();
        }
    }
}
