package io.ragreactor.actuators.jobs;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.jobs.JobFixtures.awaitJob;
import static io.ragreactor.actuators.jobs.JobFixtures.command;
import static io.ragreactor.actuators.jobs.JobFixtures.createJobPod;
import static io.ragreactor.actuators.jobs.JobFixtures.evidence;
import static io.ragreactor.actuators.jobs.JobFixtures.finishJob;
import static io.ragreactor.actuators.jobs.JobFixtures.job;
import static io.ragreactor.actuators.jobs.JobFixtures.logPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RunMigrations;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class RunMigrationsHandlerTest {

    private static final String PREFIX = "migrations";

    KubernetesMockServer server;
    KubernetesClient client;

    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeEach
    void createExecutor() {
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new RunMigrationsHandler(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldSucceedWhenMigrationJobCompletes() throws Exception {
        // Given
        final String commandId = "inc-3f9a0c1d2e4b5a6c-run-migrations-1";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);

        // When the step runs while this test plays the Job controller
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> RbacAudit.during(server, () -> executor.execute(command(commandId, migrations(job(PREFIX)),
                        Duration.ofSeconds(30), false))));
        final Job job = awaitJob(client, jobName);
        finishJob(client, jobName, "Complete");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then the outcome succeeded and names the Job
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getDetail()).isEqualTo("migration Job " + jobName + " completed");
        assertThat(outcome.getCalls()).startsWith("GET jobs/rag-prod/" + jobName, "POST jobs/rag-prod/" + jobName);
        assertThat(evidence(outcome, "job-status").getText()).startsWith("Complete=True").contains("succeeded=1");

        // Then the Job carries the command id and runs the spec's argument vector without a shell
        assertThat(jobName).matches("migrations-[0-9a-f]{8}");
        assertThat(job.getMetadata().getLabels()).containsEntry(CommandJobs.COMMAND_ID_LABEL, commandId);
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry(CommandJobs.COMMAND_ID_LABEL, commandId);
        assertThat(job.getSpec().getBackoffLimit()).isEqualTo(1);
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(900L);
        assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
        final Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("registry.example.internal/rag/controller:4.2.0");
        assertThat(container.getCommand()).containsExactly("python", "migrate.py", "--to", "latest");
        assertThat(container.getArgs()).isEmpty();
        assertThat(container.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
                .containsExactly(tuple("DB_HOST", "controller-db"));
    }

    @Test
    void shouldFailWithLogTailWhenJobFails() throws Exception {
        // Given a Job pod whose log is longer than the evidence bound
        final String commandId = "c-migrate-failed";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);
        final StringBuilder log = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            log.append("2026-11-30T09:20:04.395Z INFO  migrate: waiting for lock 'schema_migrations', try ")
                    .append(i).append('\n');
        }
        log.append("2026-11-30T09:21:04.402Z ERROR migrate: controller is waiting for retriever readiness before"
                + " releasing the lock; retriever waits for schema version 42 (circular dependency)\n");
        log.append("2026-11-30T09:21:04.410Z INFO  migrate: exit 2\n");
        server.expect().get().withPath(logPath(jobName + "-x7k2p", CommandJobs.CONTAINER_NAME))
                .andReturn(200, log.toString()).once();

        // When the Job's pods fail and the Job reaches its Failed condition
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> RbacAudit.during(server, () -> executor.execute(command(commandId, migrations(job(PREFIX)),
                        Duration.ofSeconds(30), false))));
        awaitJob(client, jobName);
        createJobPod(client, jobName, jobName + "-a1b2c", "2026-11-30T09:19:00Z", 2);
        createJobPod(client, jobName, jobName + "-x7k2p", "2026-11-30T09:20:00Z", 2);
        finishJob(client, jobName, "Failed");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then the outcome failed with the Job's condition and the tail of its newest pod's log
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("job-failed");
        assertThat(outcome.getDetail()).contains("Failed=True reason=BackoffLimitExceeded");
        assertThat(evidence(outcome, "job-status").getText())
                .contains("message=Job has reached the specified backoff limit");
        assertThat(evidence(outcome, "job-pod").getText()).contains("terminated reason=Error exitCode=2");
        final Evidence tail = evidence(outcome, "log");
        assertThat(tail.getSource()).isEqualTo("pods/rag-prod/" + jobName + "-x7k2p/job");
        assertThat(tail.getText()).endsWith("(circular dependency)\n2026-11-30T09:21:04.410Z INFO  migrate: exit 2\n");
        assertThat(tail.getText().getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(
                CommandJobs.DEFAULT_MAX_LOG_BYTES);
        assertThat(tail.getTruncated()).isTrue();
    }

    @Test
    void shouldTimeOutWhenJobHangs() {
        // Given a Job that never reaches a terminal condition
        final String commandId = "c-migrate-hung";

        // When
        final RecoveryOutcome outcome = executor.execute(command(commandId, migrations(job(PREFIX)),
                Duration.ofSeconds(1), false));

        // Then the step timed out, and the Job is left to its own activeDeadlineSeconds
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(evidence(outcome, "job-status").getText()).isEqualTo("no conditions yet");
        assertThat(evidence(outcome, "job-pod").getText()).startsWith("no pod of Job");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
    }

    @Test
    void shouldNotCreateJobWhenDeadlineHasPassed() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-migrate-late", migrations(job(PREFIX)),
                Duration.ofSeconds(-5), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getDetail()).contains("not created");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    }

    @Test
    void shouldAdoptJobOnRedelivery() throws Exception {
        // Given instance A created the Job and crashed before it published an outcome
        final String commandId = "c-101";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);
        final RecoveryCommand command = command(commandId, migrations(job(PREFIX)), Duration.ofSeconds(30), false);
        final CommandExecutor crashing = new CommandExecutor(List.of(new RunMigrationsHandler(client)),
                new Guards(Set.of(NAMESPACE)), "actuator-a", Clock.systemUTC(), Duration.ofMillis(50),
                (crashed, call) -> {
                    throw new InstanceCrash();
                });
        assertThatThrownBy(() -> crashing.execute(command)).isInstanceOf(InstanceCrash.class);
        final String createdUid = client.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get()
                .getMetadata().getUid();

        // When instance B receives the same command and the Job completes
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(() -> executor.execute(command));
        finishJob(client, jobName, "Complete");
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then B followed A's Job to its end and created none
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getCalls()).noneMatch(call -> call.startsWith("POST"));
        assertThat(evidence(outcome, "job-adopted").getSource()).isEqualTo("jobs/rag-prod/" + jobName);
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems())
                .extracting(j -> j.getMetadata().getUid()).containsExactly(createdUid);

        // When the command is delivered a third time, after the Job completed
        final RecoveryOutcome again = executor.execute(command);

        // Then it reports the same result at once and still creates nothing
        assertThat(again.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(again.getDetail()).isEqualTo(outcome.getDetail());
        assertThat(again.getCalls()).noneMatch(call -> call.startsWith("POST"));
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(1);
    }

    @Test
    void shouldFailOnNameConflict() {
        // Given a Job with the derived name that another command created
        final String commandId = "c-migrate-conflict";
        final String jobName = CommandJobs.jobName(PREFIX, commandId);
        client.batch().v1().jobs().inNamespace(NAMESPACE).resource(new JobBuilder()
                .withNewMetadata().withName(jobName).withNamespace(NAMESPACE)
                .addToLabels(CommandJobs.COMMAND_ID_LABEL, "c-other").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("job").withImage("other:1")
                .endContainer().withRestartPolicy("Never").endSpec().endTemplate().endSpec()
                .build()).create();

        // When
        final RecoveryOutcome outcome = executor.execute(command(commandId, migrations(job(PREFIX)),
                Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("name-conflict");
        assertThat(outcome.getDetail()).contains("[c-other]");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get()
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("other:1");
    }

    @Test
    void shouldCreateNothingInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-migrate-dry", migrations(job(PREFIX)),
                Duration.ofSeconds(30), true));

        // Then
        final String jobName = CommandJobs.jobName(PREFIX, "c-migrate-dry");
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly(
                "GET jobs/rag-prod/" + jobName,
                "POST jobs/rag-prod/" + jobName,
                "GET jobs/rag-prod/" + jobName + " (until its Complete or Failed condition)");
        assertThat(evidence(outcome, "job-spec").getText()).contains("command=[python, migrate.py, --to, latest]");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    }

    @Test
    void shouldRejectInvalidJobName() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-migrate-bad-name",
                migrations(job("Migrations_Job")), Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectJobNameTooLongForSuffix() {
        // When the prefix leaves no room for the 9 characters of the suffix within 63
        final RecoveryOutcome outcome = executor.execute(command("c-migrate-long", migrations(job("m".repeat(55))),
                Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectNamespaceNotAllowed() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-migrate-ns", RunMigrations.newBuilder()
                .setNamespace("kube-system").setJob(job(PREFIX)).build(), Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("namespace-not-allowed");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectInvalidEnvName() {
        // Given
        final JobSpec spec = JobSpec.newBuilder(job(PREFIX)).setEnv(Map.of("DB HOST; rm -rf /", "x")).build();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-migrate-env", migrations(spec),
                Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
        assertThat(outcome.getDetail()).contains("job.env");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    }

    @Test
    void shouldRejectEmptyCommand() {
        // Given
        final JobSpec spec = JobSpec.newBuilder(job(PREFIX)).setCommand(List.of()).build();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-migrate-argv", migrations(spec),
                Duration.ofSeconds(30), false));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getCalls()).isEmpty();
    }

    private static RunMigrations migrations(final JobSpec spec) {
        return RunMigrations.newBuilder().setNamespace(NAMESPACE).setJob(spec).build();
    }

    /** Stops instance A right after its first side effect, as a crash would. */
    private static final class InstanceCrash extends Error {
        private static final long serialVersionUID = 1L;
    }
}
