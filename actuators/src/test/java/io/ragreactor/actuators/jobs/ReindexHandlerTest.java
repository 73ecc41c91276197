package io.ragreactor.actuators.jobs;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.jobs.JobFixtures.awaitJob;
import static io.ragreactor.actuators.jobs.JobFixtures.command;
import static io.ragreactor.actuators.jobs.JobFixtures.finishJob;
import static io.ragreactor.actuators.jobs.JobFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReindexMissingDocuments;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class ReindexHandlerTest {

    private static final String PREFIX = "reindex-shard-3";
    private static final long SINCE = Instant.parse("2026-11-29T01:00:00Z").toEpochMilli();

    KubernetesClient client;

    private CommandExecutor executor;

    @BeforeEach
    void createExecutor() {
        executor = TestCommands.executor(List.of(new ReindexHandler(client)));
    }

    @Test
    void shouldPassShardAndSinceToReindexJob() throws Exception {
        // Given a spec that sets SHARD itself, which the actuator's value replaces
        final String commandId = "c-reindex-1";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);
        final JobSpec spec = JobSpec.newBuilder(job(PREFIX)).setEnv(Map.of("SHARD", "wrong", "BATCH", "500")).build();

        // When
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command(commandId, reindex("shard-3", spec), Duration.ofSeconds(30), false)));
        final Job job = awaitJob(client, jobName);
        finishJob(client, jobName, "Complete");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getDetail()).isEqualTo("reindex Job " + jobName + " completed");
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .extracting(EnvVar::getName, EnvVar::getValue)
                .containsExactly(tuple("BATCH", "500"), tuple("REINDEX_SINCE", "2026-11-29T01:00:00Z"),
                        tuple("SHARD", "shard-3"));
    }

    @Test
    void shouldAdoptReindexJobOnRedelivery() throws Exception {
        // Given a first delivery that ran the Job to its end
        final String commandId = "c-reindex-2";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);
        final RecoveryCommand command = command(commandId, reindex("shard-3", job(PREFIX)), Duration.ofSeconds(30),
                false);
        final CompletableFuture<RecoveryOutcome> first = CompletableFuture.supplyAsync(() -> executor.execute(command));
        awaitJob(client, jobName);
        finishJob(client, jobName, "Complete");
        first.get(30, TimeUnit.SECONDS);

        // When
        final RecoveryOutcome again = executor.execute(command);

        // Then
        assertThat(again.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(again.getCalls()).noneMatch(call -> call.startsWith("POST"));
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
    }

    @Test
    void shouldRecordReindexJobInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-reindex-3", reindex("shard-3", job(PREFIX)),
                Duration.ofSeconds(30), true));

        // Then
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(JobFixtures.evidence(outcome, "job-spec").getText())
                .contains("REINDEX_SINCE=2026-11-29T01:00:00Z", "SHARD=shard-3");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    }

    @Test
    void shouldRejectInvalidShardName() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-reindex-4", reindex("shard-3/../x", job(PREFIX)),
                Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectNegativeSince() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-reindex-5", ReindexMissingDocuments.newBuilder(
                reindex("shard-3", job(PREFIX))).setSinceEpochMs(-1).build(), Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getCalls()).isEmpty();
    }

    private static ReindexMissingDocuments reindex(final String shard, final JobSpec spec) {
        return ReindexMissingDocuments.newBuilder().setNamespace(NAMESPACE).setShard(shard).setSinceEpochMs(SINCE)
                .setJob(spec).build();
    }
}
