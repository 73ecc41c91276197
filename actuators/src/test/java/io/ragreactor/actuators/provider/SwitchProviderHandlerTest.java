package io.ragreactor.actuators.provider;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.actuators.settings.ApiDeploymentFixture;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate;
import io.ragreactor.schemas.command.SwitchProvider;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@EnableKubernetesMockClient(crud = true, https = false)
class SwitchProviderHandlerTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private ApiDeploymentFixture api;
    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeEach
    void seedDeployment() {
        api = new ApiDeploymentFixture(client);
        api.create();
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new SwitchProviderHandler(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldSwitchProviderAndWaitForRollout() throws Exception {
        // Given
        final long generationBefore = api.get().getMetadata().getGeneration();

        // When the step runs while this test plays the Deployment controller
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> RbacAudit.during(server, () -> executor.execute(command("c-switch-1", "switch-provider",
                        switchTo("backup", "api", 30_000)))));
        api.awaitPatchedBy("c-switch-1");
        assertThat(running).isNotDone();
        api.rollOut();
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then the outcome succeeded with the old and new value and the rollout state
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getDetail()).isEqualTo("set PROVIDER=backup on deployments/rag-prod/rag-api and the rollout"
                + " completed");
        assertThat(evidence(outcome, "env-change").getText()).isEqualTo("api: PROVIDER \"primary\" -> \"backup\"");
        assertThat(evidence(outcome, "rollout").getText()).contains("updated=2", "available=2", "(rolled out)");
        assertThat(outcome.getCalls()).startsWith("GET deployments/rag-prod/rag-api",
                "PATCH deployments/rag-prod/rag-api");

        // Then only the api container's PROVIDER changed, in place, and the template names the command
        assertThat(api.env("api")).containsExactlyInAnyOrderEntriesOf(Map.of("PROVIDER", "backup",
                "LOG_LEVEL", "info", "PRIMARY_API_KEY", "valueFrom:llm-keys"));
        assertThat(api.envNames("api")).containsExactly("PROVIDER", "LOG_LEVEL", "PRIMARY_API_KEY");
        assertThat(api.env("cache-sidecar")).isEmpty();
        assertThat(api.templateAnnotations()).containsEntry(DeploymentEnvUpdate.COMMAND_ID_ANNOTATION, "c-switch-1")
                .containsKey(DeploymentEnvUpdate.APPLIED_AT_ANNOTATION);
        assertThat(api.get().getMetadata().getGeneration()).isGreaterThan(generationBefore);
    }

    @Test
    void shouldSetEveryContainerWhenContainerIsNull() throws Exception {
        // When
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-switch-2", "switch-provider", switchTo("backup", null, 30_000))));
        api.awaitPatchedBy("c-switch-2");
        api.rollOut();
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then the sidecar, which had no environment, got the variable too
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(api.env("api")).containsEntry("PROVIDER", "backup");
        assertThat(api.env("cache-sidecar")).containsExactlyEntriesOf(Map.of("PROVIDER", "backup"));
        assertThat(evidence(outcome, "env-change").getText()).isEqualTo("api: PROVIDER \"primary\" -> \"backup\"\n"
                + "cache-sidecar: PROVIDER (unset) -> \"backup\"");
    }

    @Test
    void shouldNotPatchAgainWhenCommandIsRedelivered() throws Exception {
        // Given a first delivery that switched the provider and saw the rollout finish
        final CompletableFuture<RecoveryOutcome> first = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-switch-3", "switch-provider", switchTo("backup", "api", 30_000))));
        api.awaitPatchedBy("c-switch-3");
        api.rollOut();
        final RecoveryOutcome firstOutcome = first.get(30, TimeUnit.SECONDS);
        final String versionAfterFirst = api.get().getMetadata().getResourceVersion();
        final long generationAfterFirst = api.get().getMetadata().getGeneration();

        // When the same command is delivered again
        final RecoveryOutcome second = executor.execute(command("c-switch-3", "switch-provider",
                switchTo("backup", "api", 30_000)));

        // Then it adopts the change: same result, no patch, no new rollout
        assertThat(second.getStatus()).isEqualTo(firstOutcome.getStatus());
        assertThat(second.getReason()).isEqualTo(firstOutcome.getReason());
        assertThat(second.getDetail()).startsWith("an earlier delivery of this command set PROVIDER=backup");
        assertThat(second.getCalls()).noneMatch(call -> call.startsWith("PATCH"));
        assertThat(api.get().getMetadata().getResourceVersion()).isEqualTo(versionAfterFirst);
        assertThat(api.get().getMetadata().getGeneration()).isEqualTo(generationAfterFirst);
    }

    @Test
    void shouldChangeNothingWhenProviderIsAlreadySet() {
        // Given the current value, set by hand
        final String versionBefore = api.get().getMetadata().getResourceVersion();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-switch-4", "switch-provider",
                switchTo("primary", "api", 30_000)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getDetail()).startsWith("PROVIDER=primary on deployments/rag-prod/rag-api was already set");
        assertThat(outcome.getCalls()).noneMatch(call -> call.startsWith("PATCH"));
        assertThat(api.get().getMetadata().getResourceVersion()).isEqualTo(versionBefore);
        assertThat(api.templateAnnotations()).doesNotContainKey(DeploymentEnvUpdate.COMMAND_ID_ANNOTATION);
    }

    @Test
    void shouldTimeOutWhenRolloutDoesNotFinish() {
        // Given a controller that updates one replica of two and then stops
        final long started = System.nanoTime();

        // When
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-switch-5", "switch-provider", switchTo("backup", "api", 1_500))));
        api.awaitPatchedBy("c-switch-5");
        api.setStatus(3, 1, 2, null);
        final RecoveryOutcome outcome = running.join();

        // Then the step timed out after the ready timeout, with the last state as evidence
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(outcome.getDetail()).startsWith("rollout of deployments/rag-prod/rag-api did not complete before");
        assertThat(evidence(outcome, "rollout").getText()).contains("replicas=3 updated=1", "(rolling out)");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(1_500L, 10_000L);
    }

    @Test
    void shouldFailWhenProgressDeadlineIsExceeded() {
        // When the controller reports that the rollout stopped making progress
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> executor.execute(command("c-switch-6", "switch-provider", switchTo("backup", "api", 30_000))));
        api.awaitPatchedBy("c-switch-6");
        api.setStatus(3, 1, 2, "ProgressDeadlineExceeded");
        final RecoveryOutcome outcome = running.join();

        // Then the step fails at once instead of waiting for the ready timeout
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("workload-not-ready");
        assertThat(outcome.getDetail()).contains("ProgressDeadlineExceeded: ReplicaSet rag-api-7f9 has timed out");
    }

    @Test
    void shouldChangeNothingInDryRun() {
        // Given
        final String versionBefore = api.get().getMetadata().getResourceVersion();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-switch-7", "switch-provider",
                switchTo("backup", "api", 30_000), true));

        // Then the calls are listed and the Deployment is untouched
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly("GET deployments/rag-prod/rag-api",
                "PATCH deployments/rag-prod/rag-api", "GET deployments/rag-prod/rag-api (until rolled out)");
        assertThat(evidence(outcome, "env-change").getText()).isEqualTo("api: PROVIDER \"primary\" -> \"backup\"");
        assertThat(api.get().getMetadata().getResourceVersion()).isEqualTo(versionBefore);
        assertThat(api.env("api")).containsEntry("PROVIDER", "primary");
    }

    @Test
    void shouldFailWhenContainerDoesNotExist() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-switch-8", "switch-provider",
                switchTo("backup", "gateway", 30_000)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
        assertThat(outcome.getDetail()).isEqualTo("deployments/rag-prod/rag-api has no container gateway");
        assertThat(api.env("api")).containsEntry("PROVIDER", "primary");
    }

    @Test
    void shouldFailWhenDeploymentDoesNotExist() {
        // Given
        final SwitchProvider action = SwitchProvider.newBuilder(switchTo("backup", "api", 30_000))
                .setDeployment("rag-api-canary").build();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-switch-9", "switch-provider", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
        assertThat(outcome.getDetail()).isEqualTo("deployments/rag-prod/rag-api-canary does not exist");
    }

    @ParameterizedTest(name = "{0}=[{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
        "namespace  | kube-system          | namespace-not-allowed",
        "namespace  | Rag_Prod             | invalid-name",
        "deployment | rag api              | invalid-name",
        "container  | Api                  | invalid-name",
        "envName    | PROVIDER;rm          | invalid-name",
        "envName    | 1PROVIDER            | invalid-name",
        "envValue   | sk-live key          | invalid-parameter",
        "envValue   | https://x.example/?k | invalid-parameter",
        "envValue   | $(cat /etc/passwd)   | invalid-parameter",
        "timeout    | 0                    | invalid-parameter",
    })
    void shouldRejectInvalidParameterBeforeAnyCall(final String field, final String value, final String reason) {
        // Given
        final SwitchProvider.Builder action = SwitchProvider.newBuilder(switchTo("backup", "api", 30_000));
        switch (field) {
            case "namespace" -> action.setNamespace(value);
            case "deployment" -> action.setDeployment(value);
            case "container" -> action.setContainer(value);
            case "envName" -> action.setEnvName(value);
            case "envValue" -> action.setEnvValue(value);
            default -> action.setReadyTimeoutMs(Long.parseLong(value));
        }
        final int requestsBefore = server.getRequestCount();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-switch-10", "switch-provider", action.build()));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo(reason);
        assertThat(outcome.getCalls()).isEmpty();
        assertThat(server.getRequestCount()).isEqualTo(requestsBefore);
    }

    private static SwitchProvider switchTo(final String provider, final String container, final long readyTimeoutMs) {
        return SwitchProvider.newBuilder()
                .setNamespace(NAMESPACE)
                .setDeployment(ApiDeploymentFixture.DEPLOYMENT)
                .setContainer(container)
                .setEnvName("PROVIDER")
                .setEnvValue(provider)
                .setReadyTimeoutMs(readyTimeoutMs)
                .build();
    }

    private static Evidence evidence(final RecoveryOutcome outcome, final String kind) {
        return outcome.getEvidence().stream().filter(e -> kind.equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence of kind " + kind + " in " + outcome.getEvidence()));
    }
}
