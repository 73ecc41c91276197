package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReindexMissingDocuments;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentSummary;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class ShardDownLadderTest {

    private static final Instant T0 = ReactorFixture.START;

    /** Opens an incident on shard-5 and returns its first command. */
    private static RecoveryCommand openIncident(final ReactorFixture reactor) {
        for (int second = 1; second <= 3; second++) {
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(second)));
        }
        final List<RecoveryCommand> commands = reactor.readCommands();
        assertThat(commands).hasSize(1);
        return commands.get(0);
    }

    private static RecoveryCommand onlyCommand(final ReactorFixture reactor) {
        final List<RecoveryCommand> commands = reactor.readCommands();
        assertThat(commands).hasSize(1);
        return commands.get(0);
    }

    @Test
    void shouldRestoreValidateAndReintroduceWhenReopenFails() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an open incident whose shard was marked unhealthy
            final RecoveryCommand mark = openIncident(reactor);
            reactor.report(succeeded(mark, T0.plusSeconds(4)));

            // When the reopen fails because the index is corrupt
            final RecoveryCommand reopen = onlyCommand(reactor);
            assertThat(reopen.getStep()).isEqualTo("reopen");
            assertThat(((ReopenIndex) reopen.getAction()).getArgv()).containsExactly("ctl", "index", "reopen", "shard-5");
            reactor.report(outcome(reopen, OutcomeStatus.FAILED, T0.plusSeconds(6), "exit code 1: checksum mismatch"));

            // Then the ladder restores, validates and reintroduces, one command per step
            final RecoveryCommand restore = onlyCommand(reactor);
            assertThat(restore.getStep()).isEqualTo("restore");
            final RestoreSnapshot restoreAction = (RestoreSnapshot) restore.getAction();
            assertThat(restoreAction.getBucket()).isEqualTo("rag-prod-vectorstore-snapshots");
            assertThat(restoreAction.getPrefix()).isEqualTo("snapshots/shard-5/");
            assertThat(restoreAction.getWorkload().getName()).isEqualTo("vectorstore-shard-5");
            assertThat(restore.getCauseEventIds()).contains("outcome:" + reopen.getCommandId());
            reactor.report(succeeded(restore, T0.plusSeconds(30)));

            final RecoveryCommand validate = onlyCommand(reactor);
            assertThat(validate.getStep()).isEqualTo("validate");
            final ValidateGoldenQueries validation = (ValidateGoldenQueries) validate.getAction();
            assertThat(validation.getShard()).isEqualTo("shard-5");
            assertThat(validation.getRetrieverUrl()).isEqualTo("http://retriever.rag-prod.svc:8080");
            assertThat(validation.getQueries()).hasSizeBetween(10, 50);
            reactor.report(succeeded(validate, T0.plusSeconds(35)));

            final RecoveryCommand reintroduce = onlyCommand(reactor);
            assertThat(reintroduce.getStep()).isEqualTo("reintroduce");
            reactor.report(succeeded(reintroduce, T0.plusSeconds(36)));

            // And after the restore, the documents written since the snapshot are reindexed to completion
            final RecoveryCommand reindex = onlyCommand(reactor);
            assertThat(reindex.getStep()).isEqualTo("reindex");
            final ReindexMissingDocuments reindexAction = (ReindexMissingDocuments) reindex.getAction();
            assertThat(reindexAction.getShard()).isEqualTo("shard-5");
            assertThat(reindexAction.getSinceEpochMs()).isEqualTo(T0.plusSeconds(1).minus(Duration.ofDays(2)).toEpochMilli());
            assertThat(reindexAction.getJob().getCommand()).containsExactly("indexer", "reindex", "--shard", "shard-5");
            reactor.report(succeeded(reindex, T0.plus(Duration.ofMinutes(40))));

            assertThat(reactor.commands.isEmpty()).isTrue();
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            final IncidentUpdate last = updates.get(updates.size() - 1);
            assertThat(last.getState()).isEqualTo(IncidentState.RECOVERED);
            assertThat(last.getSteps()).extracting(StepRecord::getStep)
                    .containsExactly("mark-unhealthy", "reopen", "restore", "validate", "reintroduce", "reindex");
            assertThat(last.getSteps()).extracting(StepRecord::getStatus)
                    .containsExactly("SUCCEEDED", "FAILED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED");
            assertThat(updates).extracting(IncidentUpdate::getIncidentId).containsOnly(mark.getIncidentId());
        }
    }

    @Test
    void shouldCloseIncidentWithPostmortemSummary() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an incident first seen at T0+1s and detected at T0+3s
            final RecoveryCommand mark = openIncident(reactor);
            assertThat(reactor.readIncidentUpdates()).extracting(IncidentUpdate::getSummary).containsOnlyNulls();

            // When its ladder recovers the shard: marked at T0+4s, reopened, validated, reintroduced at T0+9s
            reactor.report(succeeded(mark, T0.plusSeconds(4)));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(6)));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(8)));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(9)));

            // Then no reindex runs, because nothing was restored, and the closing update carries the summary
            assertThat(reactor.commands.isEmpty()).isTrue();
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            final IncidentUpdate closing = updates.get(updates.size() - 1);
            assertThat(closing.getState()).isEqualTo(IncidentState.RECOVERED);
            final IncidentSummary summary = closing.getSummary();
            assertThat(summary.getClosedBy()).isEqualTo("reactor");
            assertThat(summary.getClosedAt()).isEqualTo(T0.plusSeconds(9));
            assertThat(summary.getTimeToDetectMs()).isEqualTo(2_000L);
            assertThat(summary.getTimeToMitigateMs()).isEqualTo(3_000L);
            assertThat(summary.getTimeToRecoverMs()).isEqualTo(8_000L);
            assertThat(updates.subList(0, updates.size() - 1)).extracting(IncidentUpdate::getSummary).containsOnlyNulls();
        }
    }

    @Test
    void shouldFileOnlyPendingDeadlinesInTimerIndex() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a pending mark-unhealthy step
            final RecoveryCommand mark = openIncident(reactor);
            final KeyValueStore<String, String> timers = reactor.driver.getKeyValueStore("incident-timers");

            // Then the shard is filed under that step's deadline, and only there
            assertThat(entries(timers)).containsExactly(
                    String.format("%013d|%s", mark.getDeadline().toEpochMilli(), shard("shard-5")));

            // When every step succeeds and the incident closes
            reactor.report(succeeded(mark, T0.plusSeconds(4)));
            for (int second = 5; !reactor.commands.isEmpty(); second++) {
                reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(second)));
            }

            // Then nothing is left to fire
            assertThat(entries(timers)).isEmpty();
        }
    }

    private static List<String> entries(final KeyValueStore<String, String> store) {
        final List<String> keys = new java.util.ArrayList<>();
        try (KeyValueIterator<String, String> all = store.all()) {
            all.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    @Test
    void shouldSkipRestoreWhenReopenSucceeds() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            final RecoveryCommand mark = openIncident(reactor);
            reactor.report(succeeded(mark, T0.plusSeconds(4)));
            final RecoveryCommand reopen = onlyCommand(reactor);
            reactor.report(succeeded(reopen, T0.plusSeconds(5)));

            assertThat(onlyCommand(reactor).getStep()).isEqualTo("validate");
        }
    }

    @Test
    void shouldEscalateWhenValidationFails() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a ladder that reached validation
            final RecoveryCommand mark = openIncident(reactor);
            reactor.report(succeeded(mark, T0.plusSeconds(4)));
            reactor.report(outcome(onlyCommand(reactor), OutcomeStatus.FAILED, T0.plusSeconds(5), "exit code 1"));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(20)));
            final RecoveryCommand validate = onlyCommand(reactor);

            // When the validation fails
            reactor.report(outcome(validate, OutcomeStatus.FAILED, T0.plusSeconds(25), "gq-007 returned nothing"));

            // Then the ladder ends in an escalation carrying the evidence, and the incident is escalated
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            final Escalate action = (Escalate) escalate.getAction();
            assertThat(action.getChannel()).isEqualTo("oncall-rag");
            assertThat(action.getSummary()).contains("validate").contains("gq-007 returned nothing");
            assertThat(action.getEvidence()).extracting(e -> e.getKind()).contains("symptoms", "outcome");
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates.get(updates.size() - 1).getState()).isEqualTo(IncidentState.ESCALATED);

            // And the escalation's own success does not reopen the ladder
            reactor.report(succeeded(escalate, T0.plusSeconds(26)));
            assertThat(reactor.commands.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldEscalateAfterStepTimeouts() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a mark-unhealthy command (deadline 30s, 3 attempts) that never gets an outcome
            final RecoveryCommand first = openIncident(reactor);
            assertThat(first.getDeadline()).isEqualTo(first.getIssuedAt().plusSeconds(30));

            // When only the clock moves on, past each deadline in turn
            reactor.advanceClockTo(first.getDeadline().plusSeconds(1));
            final RecoveryCommand second = onlyCommand(reactor);
            reactor.advanceClockTo(second.getDeadline().plusSeconds(1));
            final RecoveryCommand third = onlyCommand(reactor);
            reactor.advanceClockTo(third.getDeadline().plusSeconds(1));

            // Then each attempt is issued at the previous deadline, and the last one escalates
            assertThat(second.getAttempt()).isEqualTo(2);
            assertThat(second.getIssuedAt()).isEqualTo(first.getDeadline());
            assertThat(third.getAttempt()).isEqualTo(3);
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(escalate.getIssuedAt()).isEqualTo(third.getDeadline());
            assertThat(((Escalate) escalate.getAction()).getSummary()).contains("mark-unhealthy got no outcome");
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates).extracting(IncidentUpdate::getInputTopic).contains("reactor-clock");
            assertThat(updates.get(updates.size() - 1).getState()).isEqualTo(IncidentState.ESCALATED);
        }
    }

    @Test
    void shouldFoldLaterSymptomsIntoTheOpenIncident() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            final RecoveryCommand mark = openIncident(reactor);
            for (int second = 10; second < 20; second++) {
                reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(second)));
            }
            assertThat(reactor.commands.isEmpty()).isTrue();

            // The pending step still advances normally
            reactor.report(succeeded(mark, T0.plusSeconds(21)));
            assertThat(onlyCommand(reactor).getStep()).isEqualTo("reopen");
        }
    }

    @Test
    void shouldIgnoreStaleOutcomes() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            final RecoveryCommand mark = openIncident(reactor);
            reactor.report(succeeded(mark, T0.plusSeconds(4)));
            onlyCommand(reactor);

            // A re-delivered outcome of the finished step changes nothing
            reactor.report(succeeded(mark, T0.plusSeconds(5)));
            assertThat(reactor.commands.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldEscalateAtOnceWhenAGuardRejectsAStep() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            final RecoveryCommand mark = openIncident(reactor);
            reactor.report(outcome(mark, OutcomeStatus.REJECTED_BY_GUARD, T0.plusSeconds(4), "namespace not allowed"));

            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(((Escalate) escalate.getAction()).getSummary()).contains("rejected by an actuator guard");
        }
    }
}
