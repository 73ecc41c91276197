package io.ragreactor.actuators.jobs;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Commands with a deadline relative to now, and the parts of the Job controller the tests play. */
final class JobFixtures {

    private JobFixtures() {
    }

    /** Returns a command whose deadline is {@code timeout} from now, because the mock has no clock of its own. */
    static RecoveryCommand command(final String commandId, final Object action, final Duration timeout,
                                   final boolean dryRun) {
        return RecoveryCommand.newBuilder(TestCommands.command(commandId, "run-job", action, dryRun))
                .setDeadline(Instant.now().plus(timeout))
                .build();
    }

    static JobSpec job(final String namePrefix) {
        return JobSpec.newBuilder()
                .setNamePrefix(namePrefix)
                .setImage("registry.example.internal/rag/controller:4.2.0")
                .setCommand(List.of("python", "migrate.py", "--to", "latest"))
                .setEnv(Map.of("DB_HOST", "controller-db"))
                .setBackoffLimit(1)
                .setActiveDeadlineSeconds(900)
                .build();
    }

    static Job awaitJob(final KubernetesClient client, final String name) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get() != null);
        return client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get();
    }

    /** Plays the Job controller: sets the Job's terminal condition. */
    static void finishJob(final KubernetesClient client, final String name, final String conditionType) {
        client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).editStatus(job -> new JobBuilder(job)
                .withNewStatus()
                .addNewCondition().withType(conditionType).withStatus("True")
                .withReason("Failed".equals(conditionType) ? "BackoffLimitExceeded" : null)
                .withMessage("Failed".equals(conditionType) ? "Job has reached the specified backoff limit" : null)
                .endCondition()
                .withSucceeded("Complete".equals(conditionType) ? 1 : 0)
                .withFailed("Failed".equals(conditionType) ? 2 : 0)
                .endStatus()
                .build());
    }

    /** Plays the Job controller: a pod of the Job whose container ended with {@code exitCode}. */
    static void createJobPod(final KubernetesClient client, final String jobName, final String podName,
                             final String createdAt, final int exitCode) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName(podName).withNamespace(NAMESPACE).withCreationTimestamp(createdAt)
                .addToLabels("job-name", jobName).endMetadata()
                .withNewSpec().addNewContainer().withName(CommandJobs.CONTAINER_NAME).withImage("migrate:1").endContainer()
                .withRestartPolicy("Never").endSpec()
                .withNewStatus().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .addNewContainerStatus().withName(CommandJobs.CONTAINER_NAME).withRestartCount(0)
                .withNewState().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
                .endTerminated().endState()
                .endContainerStatus()
                .endStatus()
                .build()).create();
    }

    static String logPath(final String podName, final String container) {
        return "/api/v1/namespaces/" + NAMESPACE + "/pods/" + podName + "/log?pretty=false&container=" + container
                + "&tailLines=" + PodLogs.TAIL_LINES;
    }

    static Evidence evidence(final RecoveryOutcome outcome, final String kind) {
        return outcome.getEvidence().stream().filter(e -> kind.equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence of kind " + kind + " in " + outcome.getEvidence()));
    }
}
