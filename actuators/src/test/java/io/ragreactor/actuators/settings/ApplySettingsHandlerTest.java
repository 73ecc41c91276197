package io.ragreactor.actuators.settings;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.schemas.command.ApplySettings;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.SettingsCarrier;
import io.ragreactor.schemas.command.SettingsPurpose;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class ApplySettingsHandlerTest {

    private static final String SETTINGS = "rag-api-settings";
    private static final Duration BUDGET = Duration.ofSeconds(60);

    KubernetesMockServer server;
    KubernetesClient client;

    private ApiDeploymentFixture api;
    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeEach
    void seed() {
        client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
                .withNewMetadata().withName(SETTINGS).withNamespace(NAMESPACE)
                .addToAnnotations("owner", "search-team").endMetadata()
                .addToData("mode", "normal")
                .addToData("max-concurrency", "64")
                .addToData("banner", "welcome")
                .build()).create();
        api = new ApiDeploymentFixture(client);
        api.create();
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new ApplySettingsHandler(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldMergeKeysIntoConfigMap() {
        // When fallback mode is switched on, a new key is added and a key is emptied
        final RecoveryOutcome outcome = RbacAudit.during(server, () -> executor.execute(timed("c-set-1",
                configMap(SettingsPurpose.FALLBACK_MODE, Map.of("mode", "fallback", "fallback.unknown-questions", "refuse",
                        "banner", "")), BUDGET, false)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getDetail()).isEqualTo("set banner=, fallback.unknown-questions=refuse, mode=fallback in"
                + " configmaps/rag-prod/rag-api-settings (fallback-mode)");
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-api-settings",
                "PATCH configmaps/rag-prod/rag-api-settings");
        final ConfigMap settings = settings();
        assertThat(settings.getData()).containsExactlyInAnyOrderEntriesOf(Map.of("mode", "fallback",
                "max-concurrency", "64", "banner", "", "fallback.unknown-questions", "refuse"));
        assertThat(settings.getMetadata().getAnnotations())
                .containsEntry(ApplySettingsHandler.LAST_COMMAND_ANNOTATION, "c-set-1")
                .containsEntry("owner", "search-team");
        assertThat(evidence(outcome, "settings-change").getText()).isEqualTo("banner: \"welcome\" -> \"\"\n"
                + "fallback.unknown-questions: (unset) -> \"refuse\"\n"
                + "mode: \"normal\" -> \"fallback\"");
    }

    @Test
    void shouldNotPatchConfigMapTwice() {
        // Given a first delivery that changed the ConfigMap
        final RecoveryCommand throttle = timed("c-set-2", configMap(SettingsPurpose.THROTTLE,
                Map.of("max-concurrency", "8", "queue.long-requests", "true")), BUDGET, false);
        final RecoveryOutcome first = executor.execute(throttle);
        final String versionAfterFirst = settings().getMetadata().getResourceVersion();

        // When the same command is delivered again
        final RecoveryOutcome second = executor.execute(throttle);

        // Then nothing is patched and the result is the same
        assertThat(second.getStatus()).isEqualTo(first.getStatus());
        assertThat(second.getReason()).isEqualTo(first.getReason());
        assertThat(second.getCalls()).containsExactly("GET configmaps/rag-prod/rag-api-settings");
        assertThat(second.getDetail()).endsWith("nothing changed");
        assertThat(settings().getMetadata().getResourceVersion()).isEqualTo(versionAfterFirst);
        assertThat(settings().getData()).containsEntry("max-concurrency", "8").containsEntry("queue.long-requests",
                "true");
    }

    @Test
    void shouldChangeNothingInConfigMapDryRun() {
        // Given
        final String versionBefore = settings().getMetadata().getResourceVersion();

        // When
        final RecoveryOutcome outcome = executor.execute(timed("c-set-3", configMap(SettingsPurpose.FALLBACK_MODE,
                Map.of("mode", "fallback")), BUDGET, true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-api-settings",
                "PATCH configmaps/rag-prod/rag-api-settings");
        assertThat(settings().getMetadata().getResourceVersion()).isEqualTo(versionBefore);
        assertThat(settings().getData()).containsEntry("mode", "normal");
    }

    @Test
    void shouldFailWhenConfigMapDoesNotExist() {
        // Given
        final ApplySettings action = ApplySettings.newBuilder(configMap(SettingsPurpose.THROTTLE,
                Map.of("max-concurrency", "8"))).setName("rag-api-setings").build();

        // When
        final RecoveryOutcome outcome = executor.execute(timed("c-set-4", action, BUDGET, false));

        // Then nothing is created under the wrong name
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
        assertThat(client.configMaps().inNamespace(NAMESPACE).withName("rag-api-setings").get()).isNull();
    }

    @Test
    void shouldSetDeploymentEnvAndWaitForRollout() throws Exception {
        // When a ramp step runs while this test plays the Deployment controller
        final ApplySettings ramp = deploymentEnv(SettingsPurpose.RAMP, Map.of("PROVIDER_TRAFFIC_PERCENT", "25",
                "LOG_LEVEL", "debug"), 25);
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(
                () -> RbacAudit.during(server, () -> executor.execute(timed("c-set-5", ramp, BUDGET, false))));
        api.awaitPatchedBy("c-set-5");
        assertThat(running).isNotDone();
        api.rollOut();
        final RecoveryOutcome outcome = running.get(30, TimeUnit.SECONDS);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(api.env("api")).containsEntry("PROVIDER_TRAFFIC_PERCENT", "25").containsEntry("LOG_LEVEL", "debug")
                .containsEntry("PROVIDER", "primary");
        assertThat(api.env("cache-sidecar")).isEmpty();
        assertThat(evidence(outcome, "traffic").getText()).isEqualTo("RAMP: 25 % of traffic to the provider");
        assertThat(evidence(outcome, "env-change").getText()).isEqualTo("api: LOG_LEVEL \"info\" -> \"debug\"\n"
                + "api: PROVIDER_TRAFFIC_PERCENT (unset) -> \"25\"");
        assertThat(evidence(outcome, "rollout").getText()).contains("(rolled out)");
    }

    @Test
    void shouldNotPatchDeploymentTwice() throws Exception {
        // Given a first delivery that changed the environment and saw the rollout finish
        final RecoveryCommand ramp = timed("c-set-6", deploymentEnv(SettingsPurpose.RAMP,
                Map.of("PROVIDER_TRAFFIC_PERCENT", "50"), 50), BUDGET, false);
        final CompletableFuture<RecoveryOutcome> running = CompletableFuture.supplyAsync(() -> executor.execute(ramp));
        api.awaitPatchedBy("c-set-6");
        api.rollOut();
        final RecoveryOutcome first = running.get(30, TimeUnit.SECONDS);
        final String versionAfterFirst = api.get().getMetadata().getResourceVersion();

        // When
        final RecoveryOutcome second = executor.execute(ramp);

        // Then
        assertThat(second.getStatus()).isEqualTo(first.getStatus());
        assertThat(second.getReason()).isEqualTo(first.getReason());
        assertThat(second.getCalls()).noneMatch(call -> call.startsWith("PATCH"));
        assertThat(second.getDetail()).startsWith("an earlier delivery of this command set");
        assertThat(api.get().getMetadata().getResourceVersion()).isEqualTo(versionAfterFirst);
    }

    @Test
    void shouldTimeOutBeforeCommandDeadline() {
        // Given a command with 2 s between issuedAt and deadline, so the rollout may take 1.6 s
        final long started = System.nanoTime();
        final RecoveryCommand throttle = timed("c-set-7", deploymentEnv(SettingsPurpose.THROTTLE,
                Map.of("MAX_CONCURRENCY", "8"), null), Duration.ofSeconds(2), false);

        // When no controller finishes the rollout
        final RecoveryOutcome outcome = executor.execute(throttle);

        // Then
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(evidence(outcome, "rollout").getText()).contains("(not observed yet)");
        assertThat(elapsedMs).isGreaterThanOrEqualTo(1_500L);
        assertThat(outcome.getFinishedAt()).isBefore(throttle.getDeadline());
        assertThat(api.env("api")).containsEntry("MAX_CONCURRENCY", "8");
    }

    @Test
    void shouldNotChangeDeploymentWhenDeadlineHasPassed() {
        // Given a command whose deadline passed before it arrived
        final RecoveryCommand late = RecoveryCommand.newBuilder(command("c-set-8", "settings",
                        deploymentEnv(SettingsPurpose.THROTTLE, Map.of("MAX_CONCURRENCY", "8"), null)))
                .setIssuedAt(Instant.now().minusSeconds(120))
                .setDeadline(Instant.now().minusSeconds(60))
                .build();
        final String versionBefore = api.get().getMetadata().getResourceVersion();

        // When
        final RecoveryOutcome outcome = executor.execute(late);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getDetail()).contains("was left as it is");
        assertThat(outcome.getCalls()).containsExactly("GET deployments/rag-prod/rag-api");
        assertThat(api.get().getMetadata().getResourceVersion()).isEqualTo(versionBefore);
    }

    @Test
    void shouldChangeNothingInDeploymentDryRun() {
        // Given
        final String versionBefore = api.get().getMetadata().getResourceVersion();

        // When
        final RecoveryOutcome outcome = executor.execute(timed("c-set-9", deploymentEnv(SettingsPurpose.RESTORE_NORMAL,
                Map.of("LOG_LEVEL", "warn"), null), BUDGET, true));

        // Then
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly("GET deployments/rag-prod/rag-api",
                "PATCH deployments/rag-prod/rag-api", "GET deployments/rag-prod/rag-api (until rolled out)");
        assertThat(api.get().getMetadata().getResourceVersion()).isEqualTo(versionBefore);
    }

    @Test
    void shouldRejectInvalidSettingsBeforeAnyCall() {
        // Given one invalid action per guard, with the reason each must give
        final Map<ApplySettings, String> cases = Map.of(
                ApplySettings.newBuilder(configMap(SettingsPurpose.THROTTLE, Map.of("max/concurrency", "8"))).build(),
                "invalid-parameter",
                ApplySettings.newBuilder(configMap(SettingsPurpose.THROTTLE, Map.of("..", "8"))).build(),
                "invalid-parameter",
                ApplySettings.newBuilder(configMap(SettingsPurpose.THROTTLE, Map.of())).build(),
                "invalid-parameter",
                deploymentEnv(SettingsPurpose.THROTTLE, Map.of("max-concurrency", "8"), null),
                "invalid-name",
                deploymentEnv(SettingsPurpose.RAMP, Map.of("PROVIDER_TRAFFIC_PERCENT", "150"), 150),
                "invalid-parameter",
                deploymentEnv(SettingsPurpose.RAMP, Map.of("PROVIDER_TRAFFIC_PERCENT", "25"), null),
                "invalid-parameter",
                ApplySettings.newBuilder(configMap(SettingsPurpose.THROTTLE, Map.of("mode", "x")))
                        .setNamespace("kube-system").build(),
                "namespace-not-allowed",
                ApplySettings.newBuilder(configMap(SettingsPurpose.THROTTLE, Map.of("mode", "x")))
                        .setName("Rag_Settings").build(),
                "invalid-name",
                ApplySettings.newBuilder(deploymentEnv(SettingsPurpose.THROTTLE, Map.of("MODE", "x"), null))
                        .setContainer("API").build(),
                "invalid-name");
        final int requestsBefore = server.getRequestCount();

        for (final Map.Entry<ApplySettings, String> invalid : cases.entrySet()) {
            // When
            final RecoveryOutcome outcome = executor.execute(timed("c-set-10", invalid.getKey(), BUDGET, false));

            // Then
            assertThat(outcome.getStatus()).as(invalid.getKey().toString()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
            assertThat(outcome.getReason()).as(invalid.getKey().toString()).isEqualTo(invalid.getValue());
            assertThat(outcome.getCalls()).as(invalid.getKey().toString()).isEmpty();
        }
        assertThat(server.getRequestCount()).isEqualTo(requestsBefore);
    }

    @Test
    void shouldRejectEmptyTimeBudget() {
        // Given
        final Instant now = Instant.now();
        final RecoveryCommand zeroBudget = RecoveryCommand.newBuilder(command("c-set-11", "settings",
                        deploymentEnv(SettingsPurpose.THROTTLE, Map.of("MODE", "x"), null)))
                .setIssuedAt(now).setDeadline(now).build();

        // When
        final RecoveryOutcome outcome = executor.execute(zeroBudget);

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getDetail()).startsWith("deadline [");
    }

    private static RecoveryCommand timed(final String commandId, final ApplySettings action, final Duration budget,
                                         final boolean dryRun) {
        final Instant now = Instant.now();
        return RecoveryCommand.newBuilder(command(commandId, "settings", action, dryRun))
                .setIssuedAt(now)
                .setDeadline(now.plus(budget))
                .build();
    }

    private static ApplySettings configMap(final SettingsPurpose purpose, final Map<String, String> values) {
        return ApplySettings.newBuilder()
                .setPurpose(purpose)
                .setCarrier(SettingsCarrier.CONFIG_MAP)
                .setNamespace(NAMESPACE)
                .setName(SETTINGS)
                .setContainer(null)
                .setValues(values)
                .setTrafficPercent(null)
                .build();
    }

    private static ApplySettings deploymentEnv(final SettingsPurpose purpose, final Map<String, String> values,
                                               final Integer trafficPercent) {
        return ApplySettings.newBuilder()
                .setPurpose(purpose)
                .setCarrier(SettingsCarrier.DEPLOYMENT_ENV)
                .setNamespace(NAMESPACE)
                .setName(ApiDeploymentFixture.DEPLOYMENT)
                .setContainer("api")
                .setValues(values)
                .setTrafficPercent(trafficPercent)
                .build();
    }

    private ConfigMap settings() {
        return client.configMaps().inNamespace(NAMESPACE).withName(SETTINGS).get();
    }

    private static Evidence evidence(final RecoveryOutcome outcome, final String kind) {
        return outcome.getEvidence().stream().filter(e -> kind.equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence of kind " + kind + " in " + outcome.getEvidence()));
    }
}
