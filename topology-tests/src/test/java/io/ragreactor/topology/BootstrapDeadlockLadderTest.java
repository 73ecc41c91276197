package io.ragreactor.topology;

import static io.ragreactor.topology.BootstrapEvents.GENERATOR;
import static io.ragreactor.topology.BootstrapEvents.crashLoop;
import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.InspectBootstrap;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RunMigrations;
import io.ragreactor.schemas.command.StartInOrder;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BootstrapDeadlockLadderTest {

    private static final Instant T0 = ReactorFixture.START;

    /** Opens a bootstrap incident on the generator and returns its first command. */
    private static RecoveryCommand openIncident(final ReactorFixture reactor) {
        reactor.observe(crashLoop(GENERATOR, "generator-7d9c6b5f4-x2k8p", "7d9c6b5f4", T0.plusSeconds(1)));
        return onlyCommand(reactor);
    }

    private static RecoveryCommand onlyCommand(final ReactorFixture reactor) {
        final List<RecoveryCommand> commands = reactor.readCommands();
        assertThat(commands).hasSize(1);
        return commands.get(0);
    }

    private static IncidentUpdate lastUpdate(final ReactorFixture reactor) {
        final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
        return updates.get(updates.size() - 1);
    }

    @Test
    void shouldInspectRunMigrationsAndStartInOrder() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a crash-looping generator, which the runbook lists
            final RecoveryCommand inspect = openIncident(reactor);

            // Then the first step inspects the generator's pods and the migration Job
            assertThat(inspect.getStep()).isEqualTo("inspect");
            assertThat(inspect.getDeadline()).isEqualTo(inspect.getIssuedAt().plus(Duration.ofMinutes(2)));
            final InspectBootstrap inspection = (InspectBootstrap) inspect.getAction();
            assertThat(inspection.getNamespace()).isEqualTo("rag-prod");
            assertThat(inspection.getWorkload()).isEqualTo(new WorkloadRef("Deployment", "generator"));
            assertThat(inspection.getPodSelector()).isEqualTo(Map.of("app.kubernetes.io/name", "generator"));
            assertThat(inspection.getJobNames()).containsExactly("migrations");
            assertThat(inspection.getMaxLogBytes()).isEqualTo(8192);

            // When the inspection succeeds
            reactor.report(succeeded(inspect, T0.plusSeconds(20)));

            // Then the migrations run in the runbook's Job
            final RecoveryCommand migrations = onlyCommand(reactor);
            assertThat(migrations.getStep()).isEqualTo("run-migrations");
            final RunMigrations run = (RunMigrations) migrations.getAction();
            assertThat(run.getNamespace()).isEqualTo("rag-prod");
            final JobSpec job = run.getJob();
            assertThat(job.getNamePrefix()).isEqualTo("migrations-rerun");
            assertThat(job.getImage()).isEqualTo("registry.example.internal/rag/controller:3.2");
            assertThat(job.getCommand()).containsExactly("controller", "migrate", "--wait-for-lock=120s");
            assertThat(job.getBackoffLimit()).isZero();
            assertThat(job.getActiveDeadlineSeconds()).isEqualTo(900L);

            // When the migrations succeed
            reactor.report(succeeded(migrations, T0.plusSeconds(200)));

            // Then every workload starts in the runbook's order, the controller first, without a scale-down
            final RecoveryCommand start = onlyCommand(reactor);
            assertThat(start.getStep()).isEqualTo("start-in-order");
            final StartInOrder order = (StartInOrder) start.getAction();
            assertThat(order.getOrder()).extracting(WorkloadRef::getName)
                    .containsExactly("controller", "retriever", "generator", "indexer");
            assertThat(order.getOrder().get(0)).isEqualTo(new WorkloadRef("Deployment", "controller"));
            assertThat(order.getScaleDownFirst()).isFalse();
            assertThat(order.getReadyTimeoutMs()).isEqualTo(Duration.ofMinutes(5).toMillis());

            // When all of them are Ready
            reactor.report(succeeded(start, T0.plusSeconds(500)));

            // Then the incident closes as recovered with no further command
            assertThat(reactor.commands.isEmpty()).isTrue();
            final IncidentUpdate last = lastUpdate(reactor);
            assertThat(last.getState()).isEqualTo(IncidentState.RECOVERED);
            assertThat(last.getChange()).contains("started in order and Ready");
            assertThat(last.getSteps()).extracting(StepRecord::getStep)
                    .containsExactly("inspect", "run-migrations", "start-in-order");

            // And its postmortem summary keeps the logs the inspection captured, not the other steps' output
            assertThat(last.getSummary().getEvidence()).extracting(Evidence::getText)
                    .contains("inspect done").doesNotContain("run-migrations done", "start-in-order done");
        }
    }

    @Test
    void shouldRestartOneByOneAfterFailedStart() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a ladder that reached the start in order
            reactor.report(succeeded(openIncident(reactor), T0.plusSeconds(20)));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(200)));
            final RecoveryCommand start = onlyCommand(reactor);

            // When the retriever does not become Ready in time, in the step's only attempt
            reactor.report(outcome(start, OutcomeStatus.FAILED, T0.plusSeconds(500), "retriever not Ready within 5m"));

            // Then every workload is scaled down and started one by one, in the same order
            final RecoveryCommand restart = onlyCommand(reactor);
            assertThat(restart.getStep()).isEqualTo("restart-one-by-one");
            assertThat(restart.getDeadline()).isEqualTo(restart.getIssuedAt().plus(Duration.ofMinutes(30)));
            final StartInOrder order = (StartInOrder) restart.getAction();
            assertThat(order.getScaleDownFirst()).isTrue();
            assertThat(order.getOrder()).extracting(WorkloadRef::getName)
                    .containsExactly("controller", "retriever", "generator", "indexer");

            // When that succeeds
            reactor.report(succeeded(restart, T0.plusSeconds(900)));

            // Then the incident closes as recovered
            assertThat(reactor.commands.isEmpty()).isTrue();
            final IncidentUpdate last = lastUpdate(reactor);
            assertThat(last.getState()).isEqualTo(IncidentState.RECOVERED);
            assertThat(last.getSteps()).extracting(StepRecord::getStatus)
                    .containsExactly("SUCCEEDED", "SUCCEEDED", "FAILED", "SUCCEEDED");
        }
    }

    @Test
    void shouldSkipMigrationsWhenDisabled() {
        try (ReactorFixture reactor = new ReactorFixture(
                Map.of("bootstrapDeadlock.steps.runMigrations.enabled", "false"))) {
            // Given a runbook without the migration step
            final RecoveryCommand inspect = openIncident(reactor);

            // When the inspection succeeds
            reactor.report(succeeded(inspect, T0.plusSeconds(20)));

            // Then the workloads start in order at once
            assertThat(onlyCommand(reactor).getStep()).isEqualTo("start-in-order");
        }
    }

    @Test
    void shouldEscalateWorkloadNotInRunbook() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // When a workload the runbook does not list crash-loops
            reactor.observe(crashLoop("rag-prod/reranker/reranker", "reranker-5b6c7d8e9-k2l3m", "5b6c7d8e9",
                    T0.plusSeconds(1)));

            // Then the incident escalates at once with the symptom as evidence, and nothing is started
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            final Escalate action = (Escalate) escalate.getAction();
            assertThat(action.getSummary()).isEqualTo("workload Deployment/reranker of component reranker is not in"
                    + " the runbook's bootstrap workloads; no automatic start");
            assertThat(action.getEvidence()).extracting(evidence -> evidence.getKind()).contains("symptom");
            assertThat(action.getRecentChangesOf()).isNull();
            assertThat(lastUpdate(reactor).getState()).isEqualTo(IncidentState.ESCALATED);
        }
    }

    @Test
    void shouldEscalateFailedStartWithoutRestart() {
        try (ReactorFixture reactor = new ReactorFixture(
                Map.of("bootstrapDeadlock.steps.restartOneByOne.enabled", "false"))) {
            // Given a ladder that reached the start in order
            reactor.report(succeeded(openIncident(reactor), T0.plusSeconds(20)));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(200)));
            final RecoveryCommand start = onlyCommand(reactor);

            // When the start fails
            reactor.report(outcome(start, OutcomeStatus.FAILED, T0.plusSeconds(500), "controller not Ready within 5m"));

            // Then the ladder escalates instead of scaling anything down
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(((Escalate) escalate.getAction()).getSummary())
                    .contains("start-in-order failed after 1 attempt(s): controller not Ready within 5m")
                    .contains("restart one by one is disabled");
        }
    }

    @Test
    void shouldEscalateWhenRestartOneByOneFails() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given a ladder that reached the restart one by one
            reactor.report(succeeded(openIncident(reactor), T0.plusSeconds(20)));
            reactor.report(succeeded(onlyCommand(reactor), T0.plusSeconds(200)));
            reactor.report(outcome(onlyCommand(reactor), OutcomeStatus.FAILED, T0.plusSeconds(500), "not Ready"));
            final RecoveryCommand restart = onlyCommand(reactor);

            // When it fails too
            reactor.report(outcome(restart, OutcomeStatus.FAILED, T0.plusSeconds(900),
                    "generator not Ready within 5m"));

            // Then the ladder ends in an escalation, not another start, which requests the generator's recent rollouts
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            final Escalate action = (Escalate) escalate.getAction();
            assertThat(action.getSummary())
                    .isEqualTo("restart-one-by-one failed after 1 attempt(s): generator not Ready within 5m");
            assertThat(action.getNamespace()).isEqualTo("rag-prod");
            assertThat(action.getRecentChangesOf()).isEqualTo(new WorkloadRef("Deployment", "generator"));
        }
    }

    @Test
    void shouldRetryInspectOnceThenEscalate() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an inspect step, which the runbook allows two attempts
            final RecoveryCommand first = openIncident(reactor);

            // When both attempts fail
            reactor.report(outcome(first, OutcomeStatus.FAILED, T0.plusSeconds(10), "pods not listable"));
            final RecoveryCommand second = onlyCommand(reactor);
            assertThat(second.getStep()).isEqualTo("inspect");
            assertThat(second.getAttempt()).isEqualTo(2);
            reactor.report(outcome(second, OutcomeStatus.FAILED, T0.plusSeconds(20), "pods not listable"));

            // Then the ladder escalates without running migrations or starting anything
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(((Escalate) escalate.getAction()).getSummary())
                    .isEqualTo("inspect failed after 2 attempt(s): pods not listable");
        }
    }
}
