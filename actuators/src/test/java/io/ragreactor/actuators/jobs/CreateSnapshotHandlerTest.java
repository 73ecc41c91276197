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
import io.ragreactor.schemas.command.CreateSnapshot;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class CreateSnapshotHandlerTest {

    private static final String PREFIX = "snapshot-shard-3";
    private static final String BUCKET = "rag-prod-vectorstore-snapshots";

    KubernetesClient client;

    private CommandExecutor executor;

    @BeforeEach
    void createExecutor() {
        executor = TestCommands.executor(List.of(new CreateSnapshotHandler(client)));
    }

    @Test
    void shouldNameSnapshotFolderAfterIssueTime() throws Exception {
        // Given a command issued at 01:00:42 UTC
        final String commandId = "c-snapshot-1";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);
        final RecoveryCommand command = RecoveryCommand.newBuilder(command(commandId, snapshot("snapshots/shard-3/"),
                Duration.ofSeconds(30), false)).setIssuedAt(Instant.parse("2026-11-30T01:00:42.512Z")).build();

        // When
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(() -> executor.execute(command));
        final Job job = awaitJob(client, jobName);
        finishJob(client, jobName, "Complete");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then the Job writes to a folder named after the issue time, to the minute
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getDetail()).isEqualTo("snapshot Job " + jobName + " completed");
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .extracting(EnvVar::getName, EnvVar::getValue)
                .containsExactly(tuple("DB_HOST", "controller-db"), tuple("SHARD", "shard-3"),
                        tuple("SNAPSHOT_URI", "s3://rag-prod-vectorstore-snapshots/snapshots/shard-3/2026-11-30T01-00/"));
    }

    @Test
    void shouldFailSnapshotWhenJobFails() throws Exception {
        // Given
        final String commandId = "c-snapshot-2";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);

        // When
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(() -> executor.execute(
                command(commandId, snapshot("snapshots/shard-3/"), Duration.ofSeconds(30), false)));
        awaitJob(client, jobName);
        finishJob(client, jobName, "Failed");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("job-failed");
        assertThat(JobFixtures.evidence(outcome, "job-pod").getText()).isEqualTo("no pod of Job " + jobName + " found");
    }

    @Test
    void shouldRecordSnapshotJobInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-snapshot-3", snapshot("snapshots/shard-3/"),
                Duration.ofSeconds(30), true));

        // Then
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(JobFixtures.evidence(outcome, "job-spec").getText())
                .contains("SNAPSHOT_URI=s3://rag-prod-vectorstore-snapshots/snapshots/shard-3/2026-12-01T12-00/");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    }

    @Test
    void shouldRejectPrefixThatLeavesTheShardFolder() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-snapshot-4", snapshot("snapshots/../shard-4/"),
                Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectInvalidBucket() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-snapshot-5", CreateSnapshot.newBuilder(
                snapshot("snapshots/shard-3/")).setBucket("Bad_Bucket").build(), Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getCalls()).isEmpty();
    }

    private static CreateSnapshot snapshot(final String prefix) {
        return CreateSnapshot.newBuilder().setNamespace(NAMESPACE).setShard("shard-3").setBucket(BUCKET)
                .setPrefix(prefix).setJob(job(PREFIX)).build();
    }
}
