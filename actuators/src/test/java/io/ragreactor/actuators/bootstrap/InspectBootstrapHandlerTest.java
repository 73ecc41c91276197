package io.ragreactor.actuators.bootstrap;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.schemas.command.InspectBootstrap;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class InspectBootstrapHandlerTest {

    private static final Map<String, String> SELECTOR = Map.of("app.kubernetes.io/name", "indexer");
    private static final String MIGRATE_LOG = "2026-11-30T09:24:41.004Z INFO  migrate: current schema version 41,"
            + " target 42\n2026-11-30T09:24:43.101Z ERROR migrate: relation \"documents_v42\" does not exist\n";

    KubernetesMockServer server;
    KubernetesClient client;

    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeEach
    void seedWorkload() {
        client.apps().statefulSets().inNamespace(NAMESPACE).resource(new StatefulSetBuilder()
                .withNewMetadata().withName("indexer").withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(1).withServiceName("indexer")
                .withNewSelector().addToMatchLabels(SELECTOR).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels(SELECTOR).endMetadata()
                .withNewSpec().addNewContainer().withName("indexer").withImage("indexer:5.1.0").endContainer().endSpec()
                .endTemplate().endSpec()
                .build()).create();
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new InspectBootstrapHandler(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldCaptureCrashLoopAndJobLogs() {
        // Given a pod whose init container crash-loops, a failed migration Job with a pod, and a Job that is missing
        createPod("indexer-0", "2026-11-30T09:20:00Z", crashLooping("migrate", 2), waiting("indexer", "PodInitializing"));
        server.expect().get().withPath(logPath("indexer-0", "migrate", true)).andReturn(200, MIGRATE_LOG).once();
        createFailedJob("migrations");
        createJobPod("migrations-x7k2p", "migrations");
        server.expect().get().withPath(logPath("migrations-x7k2p", "migrate", false))
                .andReturn(200, "migrate: exit 2\n").once();

        // When
        final RecoveryOutcome outcome = RbacAudit.during(server, () -> executor.execute(command("c-inspect-1", "inspect",
                inspect(List.of("migrations", "schema-seed"), 4096))));

        // Then the step succeeded and its evidence explains the crash loop
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getDetail()).isEqualTo("inspected statefulsets/rag-prod/indexer: 1 pod(s), crash-looping"
                + " migrate in indexer-0; jobs migrations: Failed; schema-seed: not found");
        final Evidence podState = evidence(outcome, "pod-state", "pods/rag-prod/indexer-0");
        assertThat(podState.getText()).contains(
                "phase=Pending",
                "init container migrate: waiting reason=CrashLoopBackOff, restarts=4, last terminated reason=Error"
                        + " exitCode=2",
                "container indexer: waiting reason=PodInitializing, restarts=0");
        assertThat(evidence(outcome, "log", "pods/rag-prod/indexer-0/migrate (previous)").getText())
                .isEqualTo(MIGRATE_LOG);
        assertThat(evidence(outcome, "job-status", "jobs/rag-prod/migrations").getText())
                .startsWith("Failed=True reason=BackoffLimitExceeded");
        assertThat(evidence(outcome, "log", "pods/rag-prod/migrations-x7k2p/migrate").getText())
                .isEqualTo("migrate: exit 2\n");
        assertThat(evidence(outcome, "job-status", "jobs/rag-prod/schema-seed").getText()).isEqualTo("Job not found");
        assertThat(outcome.getCalls()).allMatch(call -> call.startsWith("GET") || call.startsWith("LIST"));
    }

    @Test
    void shouldFallBackToCurrentLog() {
        // Given the kubelet no longer has the previous instance of the crashing container
        createPod("indexer-0", "2026-11-30T09:20:00Z", crashLooping("migrate", 2), waiting("indexer", "PodInitializing"));
        server.expect().get().withPath(logPath("indexer-0", "migrate", true))
                .andReturn(400, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"previous terminated container"
                        + " \\\"migrate\\\" in pod \\\"indexer-0\\\" not found\",\"code\":400}").once();
        server.expect().get().withPath(logPath("indexer-0", "migrate", false)).andReturn(200, "starting\n").once();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-2", "inspect", inspect(List.of(), 4096)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(evidence(outcome, "log", "pods/rag-prod/indexer-0/migrate").getText()).isEqualTo("starting\n");
        assertThat(outcome.getCalls()).contains(
                "GET pods/rag-prod/indexer-0/log?container=migrate&previous=true",
                "GET pods/rag-prod/indexer-0/log?container=migrate");
    }

    @Test
    void shouldKeepLogTailWithinBound() {
        // Given a crash log longer than the bound
        createPod("indexer-0", "2026-11-30T09:20:00Z", crashLooping("migrate", 2), waiting("indexer", "PodInitializing"));
        server.expect().get().withPath(logPath("indexer-0", "migrate", true))
                .andReturn(200, "x".repeat(5000) + "\nlast line\n").once();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-3", "inspect", inspect(List.of(), 64)));

        // Then
        final Evidence log = evidence(outcome, "log", "pods/rag-prod/indexer-0/migrate (previous)");
        assertThat(log.getText()).hasSize(64).endsWith("x\nlast line\n");
        assertThat(log.getTruncated()).isTrue();
    }

    @Test
    void shouldCutLogsToTotalBudget() {
        // Given a crash log larger than the budget of all logs of one command, and a failed Job with a log
        createPod("indexer-0", "2026-11-30T09:20:00Z", crashLooping("migrate", 2), waiting("indexer", "PodInitializing"));
        server.expect().get().withPath(logPath("indexer-0", "migrate", true))
                .andReturn(200, "y".repeat(InspectBootstrapHandler.TOTAL_LOG_BYTES + 1000)).once();
        createFailedJob("migrations");
        createJobPod("migrations-x7k2p", "migrations");
        server.expect().get().withPath(logPath("migrations-x7k2p", "migrate", false))
                .andReturn(200, "migrate: exit 2\n").once();

        // When each log may take the maximum
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-11", "inspect",
                inspect(List.of("migrations"), InspectBootstrapHandler.MAX_LOG_BYTES)));

        // Then the first log takes the whole budget and the Job's log keeps only its last byte
        assertThat(evidence(outcome, "log", "pods/rag-prod/indexer-0/migrate (previous)").getText())
                .hasSize(InspectBootstrapHandler.TOTAL_LOG_BYTES);
        assertThat(evidence(outcome, "log", "pods/rag-prod/migrations-x7k2p/migrate").getText()).isEqualTo("\n");
    }

    @Test
    void shouldInspectFiveNewestPods() {
        // Given seven pods of the workload, none of them crashing
        for (int i = 0; i < 7; i++) {
            createPod("indexer-" + i, "2026-11-30T09:2" + i + ":00Z", waiting("migrate", "PodInitializing"),
                    waiting("indexer", "PodInitializing"));
        }

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-4", "inspect", inspect(List.of(), 4096)));

        // Then
        assertThat(outcome.getEvidence()).filteredOn(e -> "pod-state".equals(e.getKind())).extracting(Evidence::getSource)
                .containsExactly("pods/rag-prod/indexer-6", "pods/rag-prod/indexer-5", "pods/rag-prod/indexer-4",
                        "pods/rag-prod/indexer-3", "pods/rag-prod/indexer-2");
        assertThat(outcome.getEvidence()).noneMatch(e -> "log".equals(e.getKind()));
    }

    @Test
    void shouldReportNotFoundWhenWorkloadIsMissing() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-5", "inspect",
                InspectBootstrap.newBuilder(inspect(List.of(), 4096))
                        .setWorkload(new WorkloadRef("Deployment", "generator")).build()));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
        assertThat(outcome.getDetail()).isEqualTo("deployments/rag-prod/generator does not exist");
    }

    @Test
    void shouldOnlyReadInDryRun() {
        // Given
        createPod("indexer-0", "2026-11-30T09:20:00Z", waiting("migrate", "PodInitializing"),
                waiting("indexer", "PodInitializing"));

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-6", "inspect",
                inspect(List.of("migrations"), 4096), true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly(
                "GET statefulsets/rag-prod/indexer",
                "LIST pods/rag-prod?labelSelector=app.kubernetes.io/name=indexer",
                "GET jobs/rag-prod/migrations");
        assertThat(client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).isEmpty();
    }

    @Test
    void shouldRejectNamespaceNotAllowed() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-7", "inspect",
                InspectBootstrap.newBuilder(inspect(List.of(), 4096)).setNamespace("kube-system").build()));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("namespace-not-allowed");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectInvalidJobName() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-8", "inspect",
                inspect(List.of("migrations; cat /etc/passwd"), 4096)));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectInvalidSelectorLabel() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-9", "inspect",
                InspectBootstrap.newBuilder(inspect(List.of(), 4096)).setPodSelector(Map.of("app", "indexer,x!=y"))
                        .build()));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectMaxLogBytesOutOfRange() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-inspect-10", "inspect",
                inspect(List.of(), 0)));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getCalls()).isEmpty();
    }

    private static InspectBootstrap inspect(final List<String> jobNames, final int maxLogBytes) {
        return InspectBootstrap.newBuilder()
                .setNamespace(NAMESPACE)
                .setWorkload(new WorkloadRef("StatefulSet", "indexer"))
                .setPodSelector(SELECTOR)
                .setJobNames(jobNames)
                .setMaxLogBytes(maxLogBytes)
                .build();
    }

    private void createPod(final String name, final String createdAt, final ContainerStatus init,
                           final ContainerStatus main) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).withCreationTimestamp(createdAt)
                .addToLabels(SELECTOR).endMetadata()
                .withNewSpec()
                .addNewInitContainer().withName(init.getName()).withImage("indexer:5.1.0").endInitContainer()
                .addNewContainer().withName(main.getName()).withImage("indexer:5.1.0").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Pending")
                .addNewCondition().withType("Initialized").withStatus("False").withReason("ContainersNotInitialized")
                .endCondition()
                .addNewCondition().withType("PodScheduled").withStatus("True").endCondition()
                .withInitContainerStatuses(init).withContainerStatuses(main)
                .endStatus()
                .build()).create();
    }

    private void createFailedJob(final String name) {
        client.batch().v1().jobs().inNamespace(NAMESPACE).resource(new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("migrate")
                .withImage("controller:4.2.0").endContainer().withRestartPolicy("Never").endSpec().endTemplate()
                .endSpec()
                .withNewStatus().addNewCondition().withType("Failed").withStatus("True")
                .withReason("BackoffLimitExceeded").endCondition().withFailed(1).endStatus()
                .build()).create();
    }

    private void createJobPod(final String name, final String jobName) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).addToLabels("job-name", jobName)
                .endMetadata()
                .withNewSpec().addNewContainer().withName("migrate").withImage("controller:4.2.0").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Failed").endStatus()
                .build()).create();
    }

    private static ContainerStatus crashLooping(final String name, final int exitCode) {
        return new ContainerStatusBuilder().withName(name).withRestartCount(4)
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                .withNewLastState().withNewTerminated().withReason("Error").withExitCode(exitCode).endTerminated()
                .endLastState()
                .build();
    }

    private static ContainerStatus waiting(final String name, final String reason) {
        return new ContainerStatusBuilder().withName(name).withRestartCount(0)
                .withNewState().withNewWaiting().withReason(reason).endWaiting().endState()
                .build();
    }

    private static String logPath(final String pod, final String container, final boolean previous) {
        return "/api/v1/namespaces/" + NAMESPACE + "/pods/" + pod + "/log?pretty=false&container=" + container
                + (previous ? "&previous=true" : "") + "&tailLines=1000";
    }

    private static Evidence evidence(final RecoveryOutcome outcome, final String kind, final String source) {
        return outcome.getEvidence().stream().filter(e -> kind.equals(e.getKind()) && source.equals(e.getSource()))
                .findFirst().orElseThrow(() -> new AssertionError("no evidence of kind " + kind + " from " + source
                        + " in " + outcome.getEvidence()));
    }
}
