package io.ragreactor.actuators.start;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.schemas.command.StartInOrder;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Starts the controller, retriever and generator of the demo stack against the fabric8 mock server. The mock
 * has no controllers, so each test plays them: it deletes pods after a scale-down and sets a workload's status
 * Ready when the test wants it to be.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class StartInOrderHandlerTest {

    private static final String CONTROLLER = "rag-controller";
    private static final String RETRIEVER = "retriever";
    private static final String GENERATOR = "generator";
    private static final String DEPLOYMENT = "Deployment";
    private static final String STATEFUL_SET = "StatefulSet";

    KubernetesMockServer server;
    KubernetesClient client;

    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeEach
    void seedStack() {
        createDeployment(CONTROLLER, 2);
        createDeployment(RETRIEVER, 3);
        createStatefulSet(GENERATOR, 1);
        markReady(DEPLOYMENT, CONTROLLER);
        markReady(DEPLOYMENT, RETRIEVER);
        markReady(STATEFUL_SET, GENERATOR);
        createPod(CONTROLLER + "-0", CONTROLLER);
        createPod(RETRIEVER + "-0", RETRIEVER);
        createPod(GENERATOR + "-0", GENERATOR);
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new StartInOrderHandler(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldStartEachAfterPreviousIsReady() throws Exception {
        // When the step runs while this test plays the workload controllers
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> RbacAudit.during(server,
                        () -> executor.execute(command("c-start-1", "start-in-order", startInOrder(true, 20_000)))));
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 0
                && replicas(DEPLOYMENT, RETRIEVER) == 0 && replicas(STATEFUL_SET, GENERATOR) == 0);
        assertThat(annotations(deployment(RETRIEVER).getMetadata()))
                .containsEntry(StartInOrderHandler.REPLICAS_BEFORE_ANNOTATION, "3")
                .containsEntry(StartInOrderHandler.COMMAND_ID_ANNOTATION, "c-start-1");
        deleteAllPods();

        // Then the controller starts first, with its previous count, and the retriever waits for it
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 2);
        Thread.sleep(500);
        assertThat(replicas(DEPLOYMENT, RETRIEVER)).isZero();
        markReady(DEPLOYMENT, CONTROLLER);

        // Then the retriever starts, and the generator waits for it
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, RETRIEVER) == 3);
        Thread.sleep(500);
        assertThat(replicas(STATEFUL_SET, GENERATOR)).isZero();
        markReady(DEPLOYMENT, RETRIEVER);
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(STATEFUL_SET, GENERATOR) == 1);
        markReady(STATEFUL_SET, GENERATOR);
        final RecoveryOutcome outcome = running.get(20, TimeUnit.SECONDS);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getCalls().stream().filter(call -> call.startsWith("PATCH")).toList()).containsExactly(
                "PATCH deployments/rag-prod/rag-controller (replicas 2 -> 0)",
                "PATCH deployments/rag-prod/retriever (replicas 3 -> 0)",
                "PATCH statefulsets/rag-prod/generator (replicas 1 -> 0)",
                "PATCH deployments/rag-prod/rag-controller (replicas 0 -> 2)",
                "PATCH deployments/rag-prod/retriever (replicas 0 -> 3)",
                "PATCH statefulsets/rag-prod/generator (replicas 0 -> 1)");
        final String order = evidence(outcome).getText();
        assertThat(order).startsWith("order: Deployment/rag-controller, Deployment/retriever, StatefulSet/generator"
                + " (scaled down first)");
        assertThat(order).containsPattern("deployments/rag-prod/rag-controller: 2 replicas Ready after \\d+ ms");
        assertThat(order).containsPattern("statefulsets/rag-prod/generator: 1 replicas Ready after \\d+ ms");
        assertThat(annotations(deployment(RETRIEVER).getMetadata()))
                .doesNotContainKey(StartInOrderHandler.REPLICAS_BEFORE_ANNOTATION)
                .containsEntry(StartInOrderHandler.COMMAND_ID_ANNOTATION, "c-start-1");
    }

    @Test
    void shouldWaitForControllerToObserveNewSpec() throws Exception {
        // Given a controller whose status still shows the old count as Ready
        client.apps().deployments().inNamespace(NAMESPACE).withName(CONTROLLER)
                .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(0).endSpec().build());
        client.apps().deployments().inNamespace(NAMESPACE).withName(CONTROLLER).editStatus(d -> new DeploymentBuilder(d)
                .editStatus().withReadyReplicas(1).withReplicas(1).withObservedGeneration(1L).endStatus().build());
        final long generationBefore = deployment(CONTROLLER).getMetadata().getGeneration();

        // When
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(() -> executor.execute(
                command("c-start-2", "start-in-order", startInOrder(false, 20_000, workload(DEPLOYMENT, CONTROLLER)))));
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 1);
        Thread.sleep(500);

        // Then the stale status does not count as Ready until the controller observed the new generation
        assertThat(deployment(CONTROLLER).getMetadata().getGeneration()).isGreaterThan(generationBefore);
        assertThat(running).isNotDone();
        markReady(DEPLOYMENT, CONTROLLER);
        assertThat(running.get(20, TimeUnit.SECONDS).getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
    }

    @Test
    void shouldStartOnlyStoppedWorkloads() {
        // Given a controller scaled to zero without a recorded count, and the others Ready
        client.apps().deployments().inNamespace(NAMESPACE).withName(CONTROLLER)
                .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(0).endSpec().build());
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-start-3", "start-in-order", startInOrder(false, 20_000))));

        // When
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 1);
        markReady(DEPLOYMENT, CONTROLLER);
        final RecoveryOutcome outcome = running.join();

        // Then only the controller was scaled, to 1, and nothing was scaled down
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getCalls().stream().filter(call -> call.startsWith("PATCH")).toList())
                .containsExactly("PATCH deployments/rag-prod/rag-controller (replicas 0 -> 1)");
        assertThat(replicas(DEPLOYMENT, RETRIEVER)).isEqualTo(3);
        assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).hasSize(3);
    }

    @Test
    void shouldTimeOutNamingUnreadyWorkload() {
        // Given a controller that never becomes Ready
        final StartInOrder action = startInOrder(true, 3_000);
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-start-4", "start-in-order", action)));
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 0);
        deleteAllPods();

        // When
        final RecoveryOutcome outcome = running.join();

        // Then the retriever and generator were never started
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(outcome.getDetail()).startsWith("deployments/rag-prod/rag-controller did not become Ready within"
                + " 3000 ms: readyReplicas");
        assertThat(evidence(outcome).getText()).contains("- deployments/rag-prod/rag-controller: not Ready");
        assertThat(replicas(DEPLOYMENT, RETRIEVER)).isZero();
        assertThat(replicas(STATEFUL_SET, GENERATOR)).isZero();
    }

    @Test
    void shouldFailWhenRolloutExceedsProgressDeadline() {
        // Given
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(() -> executor.execute(
                command("c-start-5", "start-in-order", startInOrder(true, 20_000))));
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 0);
        deleteAllPods();
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 2);

        // When the Deployment controller reports that the rollout stopped progressing
        client.apps().deployments().inNamespace(NAMESPACE).withName(CONTROLLER).editStatus(d -> new DeploymentBuilder(d)
                .editStatus().withReadyReplicas(0).withObservedGeneration(d.getMetadata().getGeneration())
                .addNewCondition().withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"rag-controller-7d9c\" has timed out progressing.").endCondition()
                .endStatus().build());
        final RecoveryOutcome outcome = running.join();

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("workload-not-ready");
        assertThat(outcome.getDetail()).isEqualTo("deployments/rag-prod/rag-controller did not become Ready:"
                + " ProgressDeadlineExceeded: ReplicaSet \"rag-controller-7d9c\" has timed out progressing.");
        assertThat(replicas(DEPLOYMENT, RETRIEVER)).isZero();
    }

    @Test
    void shouldTimeOutWhenPodsRemainAfterScaleDown() {
        // When no pod goes away
        final RecoveryOutcome outcome = executor.execute(command("c-start-6", "start-in-order",
                startInOrder(true, 1_000)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getDetail()).isEqualTo("pods of deployments/rag-prod/rag-controller were still present"
                + " 1000 ms after the scale-down: rag-controller-0");
        assertThat(replicas(DEPLOYMENT, CONTROLLER)).isZero();
    }

    @Test
    void shouldContinueWhereEarlierDeliveryStopped() throws Exception {
        // Given an earlier delivery scaled everything down, started the controller, and stopped
        final CompletableFuture<RecoveryOutcome> first = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-start-7", "start-in-order", startInOrder(true, 3_000))));
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(STATEFUL_SET, GENERATOR) == 0);
        deleteAllPods();
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 2);
        assertThat(first.get(20, TimeUnit.SECONDS).getReason()).isEqualTo("deadline-passed");
        markReady(DEPLOYMENT, CONTROLLER);
        createPod(CONTROLLER + "-1", CONTROLLER);

        // When the command is delivered again
        final CompletableFuture<RecoveryOutcome> again = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-start-7", "start-in-order", startInOrder(true, 20_000))));
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, RETRIEVER) == 3);
        markReady(DEPLOYMENT, RETRIEVER);
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(STATEFUL_SET, GENERATOR) == 1);
        markReady(STATEFUL_SET, GENERATOR);
        final RecoveryOutcome outcome = again.get(20, TimeUnit.SECONDS);

        // Then nothing was scaled down again, the controller kept its pod, and the rest started with their counts
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getCalls().stream().filter(call -> call.startsWith("PATCH")).toList()).containsExactly(
                "PATCH deployments/rag-prod/retriever (replicas 0 -> 3)",
                "PATCH statefulsets/rag-prod/generator (replicas 0 -> 1)");
        assertThat(client.pods().inNamespace(NAMESPACE).withName(CONTROLLER + "-1").get()).isNotNull();
    }

    @Test
    void shouldChangeNothingWhenDeliveredAfterSuccess() throws Exception {
        // Given a finished start
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(() -> executor.execute(
                command("c-start-8", "start-in-order", startInOrder(true, 20_000))));
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(STATEFUL_SET, GENERATOR) == 0);
        deleteAllPods();
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, CONTROLLER) == 2);
        markReady(DEPLOYMENT, CONTROLLER);
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(DEPLOYMENT, RETRIEVER) == 3);
        markReady(DEPLOYMENT, RETRIEVER);
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas(STATEFUL_SET, GENERATOR) == 1);
        markReady(STATEFUL_SET, GENERATOR);
        final RecoveryOutcome first = running.get(20, TimeUnit.SECONDS);
        createPod(CONTROLLER + "-1", CONTROLLER);

        // When
        final RecoveryOutcome again = executor.execute(command("c-start-8", "start-in-order",
                startInOrder(true, 20_000)));

        // Then
        assertThat(again.getStatus()).isEqualTo(first.getStatus());
        assertThat(again.getReason()).isEqualTo(first.getReason());
        assertThat(again.getCalls()).noneMatch(call -> call.startsWith("PATCH"));
        assertThat(replicas(DEPLOYMENT, CONTROLLER)).isEqualTo(2);
        assertThat(client.pods().inNamespace(NAMESPACE).withName(CONTROLLER + "-1").get()).isNotNull();
    }

    @Test
    void shouldChangeNothingInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-start-9", "start-in-order",
                startInOrder(true, 20_000), true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsSubsequence(
                "PATCH deployments/rag-prod/rag-controller (replicas 2 -> 0)",
                "PATCH statefulsets/rag-prod/generator (replicas 1 -> 0)",
                "PATCH deployments/rag-prod/rag-controller (replicas 0 -> 2)",
                "PATCH deployments/rag-prod/retriever (replicas 0 -> 3)",
                "PATCH statefulsets/rag-prod/generator (replicas 0 -> 1)");
        assertThat(replicas(DEPLOYMENT, CONTROLLER)).isEqualTo(2);
        assertThat(annotations(deployment(CONTROLLER).getMetadata()))
                .doesNotContainKey(StartInOrderHandler.COMMAND_ID_ANNOTATION);
    }

    @Test
    void shouldFailBeforeAnyChangeWhenWorkloadIsMissing() {
        // Given
        final StartInOrder action = startInOrder(true, 20_000);
        action.setOrder(List.of(workload(DEPLOYMENT, CONTROLLER), workload(DEPLOYMENT, "indexer")));

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-start-10", "start-in-order", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
        assertThat(outcome.getDetail()).isEqualTo("deployments/rag-prod/indexer does not exist");
        assertThat(replicas(DEPLOYMENT, CONTROLLER)).isEqualTo(2);
    }

    @Test
    void shouldRejectNamespaceOutsideAllowList() {
        // Given
        final StartInOrder action = startInOrder(true, 20_000);
        action.setNamespace("kube-system");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-start-11", "start-in-order", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("namespace-not-allowed");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectInvalidWorkloads() {
        // Given
        final Map<String, List<WorkloadRef>> cases = Map.of(
                "order[1].kind [DaemonSet]", List.of(workload(DEPLOYMENT, CONTROLLER), workload("DaemonSet", "agent")),
                "order[0].name [Retriever/x]", List.of(workload(DEPLOYMENT, "Retriever/x")),
                "order[1] [Deployment/retriever]", List.of(workload(DEPLOYMENT, RETRIEVER),
                        workload(DEPLOYMENT, RETRIEVER)),
                "order [0 workloads]", List.of());

        for (final Map.Entry<String, List<WorkloadRef>> invalid : cases.entrySet()) {
            final StartInOrder action = startInOrder(false, 20_000);
            action.setOrder(invalid.getValue());

            // When
            final RecoveryOutcome outcome = executor.execute(command("c-start-12", "start-in-order", action));

            // Then
            assertThat(outcome.getStatus()).as(invalid.getKey()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
            assertThat(outcome.getDetail()).startsWith(invalid.getKey());
            assertThat(outcome.getCalls()).isEmpty();
        }
    }

    @Test
    void shouldRejectNonPositiveTimeout() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-start-13", "start-in-order",
                startInOrder(false, 0)));

        // Then
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getDetail()).startsWith("readyTimeoutMs [0]");
    }

    private static StartInOrder startInOrder(final boolean scaleDownFirst, final long readyTimeoutMs) {
        return startInOrder(scaleDownFirst, readyTimeoutMs, workload(DEPLOYMENT, CONTROLLER),
                workload(DEPLOYMENT, RETRIEVER), workload(STATEFUL_SET, GENERATOR));
    }

    private static StartInOrder startInOrder(final boolean scaleDownFirst, final long readyTimeoutMs,
                                             final WorkloadRef... order) {
        return StartInOrder.newBuilder().setNamespace(NAMESPACE).setOrder(List.of(order))
                .setScaleDownFirst(scaleDownFirst).setReadyTimeoutMs(readyTimeoutMs).build();
    }

    private static WorkloadRef workload(final String kind, final String name) {
        return WorkloadRef.newBuilder().setKind(kind).setName(name).build();
    }

    private void createDeployment(final String name, final int replicas) {
        client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName(name).withImage(name + ":1").endContainer().endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
    }

    private void createStatefulSet(final String name, final int replicas) {
        client.apps().statefulSets().inNamespace(NAMESPACE).resource(new StatefulSetBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(name)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName(name).withImage(name + ":1").endContainer().endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
    }

    private void createPod(final String name, final String app) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).addToLabels("app", app).endMetadata()
                .withNewSpec().addNewContainer().withName(app).withImage(app + ":1").endContainer().endSpec()
                .build()).create();
    }

    private void deleteAllPods() {
        client.pods().inNamespace(NAMESPACE).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().inNamespace(NAMESPACE).list().getItems()
                .isEmpty());
    }

    /** Plays the workload controller: every desired replica Ready, the latest generation observed. */
    private void markReady(final String kind, final String name) {
        if (DEPLOYMENT.equals(kind)) {
            client.apps().deployments().inNamespace(NAMESPACE).withName(name).editStatus(d -> new DeploymentBuilder(d)
                    .withNewStatus().withReplicas(d.getSpec().getReplicas())
                    .withReadyReplicas(d.getSpec().getReplicas())
                    .withObservedGeneration(d.getMetadata().getGeneration()).endStatus().build());
        } else {
            client.apps().statefulSets().inNamespace(NAMESPACE).withName(name).editStatus(s -> new StatefulSetBuilder(s)
                    .withNewStatus().withReplicas(s.getSpec().getReplicas())
                    .withReadyReplicas(s.getSpec().getReplicas())
                    .withObservedGeneration(s.getMetadata().getGeneration()).endStatus().build());
        }
    }

    private int replicas(final String kind, final String name) {
        if (DEPLOYMENT.equals(kind)) {
            return deployment(name).getSpec().getReplicas();
        }
        final StatefulSet statefulSet = client.apps().statefulSets().inNamespace(NAMESPACE).withName(name).get();
        return statefulSet.getSpec().getReplicas();
    }

    private Deployment deployment(final String name) {
        return client.apps().deployments().inNamespace(NAMESPACE).withName(name).get();
    }

    /** Returns the annotations without null values, which the mock server keeps where a merge patch removed a key. */
    private static Map<String, String> annotations(final ObjectMeta metadata) {
        final Map<String, String> present = new HashMap<>();
        if (metadata.getAnnotations() != null) {
            metadata.getAnnotations().forEach((key, value) -> {
                if (value != null) {
                    present.put(key, value);
                }
            });
        }
        return present;
    }

    private static Evidence evidence(final RecoveryOutcome outcome) {
        return outcome.getEvidence().stream().filter(e -> "start-order".equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no start-order evidence in " + outcome.getEvidence()));
    }
}
