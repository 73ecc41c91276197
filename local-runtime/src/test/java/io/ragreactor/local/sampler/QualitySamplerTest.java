package io.ragreactor.local.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.provider.SwitchProviderHandler;
import io.ragreactor.actuators.settings.ApplySettingsHandler;
import io.ragreactor.local.ActuatorCommands;
import io.ragreactor.local.cluster.SimulatedCluster;
import io.ragreactor.local.cluster.SimulationTimings;
import io.ragreactor.local.seed.SeedLoader;
import io.ragreactor.local.seed.StackSeed;
import io.ragreactor.schemas.command.ApplySettings;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.SettingsCarrier;
import io.ragreactor.schemas.command.SettingsPurpose;
import io.ragreactor.schemas.command.SwitchProvider;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.QualityReading;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated quality sampler, before and after the actuators switch the provider and ramp traffic back. */
class QualitySamplerTest {

    private static final String NAMESPACE = "rag-prod";
    private static final String TARGET = "rag-prod/generator/primary-llm";
    private static final Instant OBSERVED_AT = Instant.parse("2026-11-30T09:40:00Z");
    private static final SimulationTimings FAST = new SimulationTimings(Duration.ofMillis(50), Duration.ofMillis(200),
            Duration.ofMillis(200), Duration.ofMillis(400));

    private SimulatedCluster cluster;
    private KubernetesClient client;
    private QualitySampler sampler;
    private CommandExecutor executor;

    @BeforeEach
    void startCluster() {
        cluster = SimulatedCluster.start(SeedLoader.loadDefault(), FAST, null);
        client = cluster.newClient();
        sampler = new QualitySampler(cluster);
        executor = ActuatorCommands.executor(NAMESPACE, List.of(new SwitchProviderHandler(client),
                new ApplySettingsHandler(client)));
    }

    @AfterEach
    void stopCluster() {
        sampler.close();
        client.close();
        cluster.close();
    }

    @Test
    void shouldSampleFullTrafficWhileApiCallsPrimary() {
        // When
        final HealthEvent event = sampler.sample(OBSERVED_AT).orElseThrow();

        // Then
        assertThat(sampler.primaryTrafficPercent()).isEqualTo(100);
        assertThat(event.getTarget()).isEqualTo(TARGET);
        assertThat(event.getSource()).isEqualTo(QualitySampler.SOURCE);
        assertThat(event.getObservedAt()).isEqualTo(OBSERVED_AT);
        assertThat(event.getAlertOrigin()).isNull();
        final QualityReading reading = (QualityReading) event.getPayload();
        assertThat(reading.getProvider()).isEqualTo("primary-llm");
        assertThat(reading.getSampleSize()).isEqualTo(30);
        assertThat(reading.getCitationHitRate()).isEqualTo(0.85);
        assertThat(reading.getPrecision()).isEqualTo(0.77);
    }

    @Test
    void shouldVaryReadingsSlightlyAboveBaseline() {
        // When
        final List<QualityReading> readings = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            readings.add((QualityReading) sampler.sample(OBSERVED_AT.plusMillis(250L * i)).orElseThrow().getPayload());
        }

        // Then every reading stays within the seed's variation, above the runbook baseline of 0.82 and 0.74
        assertThat(readings).extracting(QualityReading::getCitationHitRate)
                .containsOnly(0.85, 0.86, 0.84, 0.855, 0.845);
        assertThat(readings).extracting(QualityReading::getPrecision).allMatch(rate -> rate >= 0.76 && rate <= 0.78);
    }

    @Test
    void shouldFollowProviderSwitchAndRamp() {
        // When the actuator switches the API to the backup provider
        final RecoveryOutcome switched = executor.execute(ActuatorCommands.command("c-switch", TARGET,
                "switch-provider", SwitchProvider.newBuilder()
                        .setNamespace(NAMESPACE)
                        .setDeployment("rag-api")
                        .setContainer("api")
                        .setEnvName("PROVIDER")
                        .setEnvValue("backup-llm")
                        .setReadyTimeoutMs(20_000)
                        .build(), Duration.ofMinutes(1)));

        // Then the rollout completed in the simulation and the primary gets no traffic
        assertThat(switched.getStatus()).as(switched.getDetail()).isEqualTo(OutcomeStatus.SUCCEEDED);
        final List<Pod> apiPods = client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/name", "rag-api")
                .list().getItems();
        assertThat(apiPods).hasSize(1);
        assertThat(apiPods.get(0).getMetadata().getName()).isNotEqualTo("rag-api-0");
        assertThat(apiPods.get(0).getSpec().getContainers().get(0).getEnv())
                .anyMatch(env -> "PROVIDER".equals(env.getName()) && "backup-llm".equals(env.getValue()));
        assertThat(sampler.primaryTrafficPercent()).isZero();
        assertThat(sampler.sample(OBSERVED_AT)).isEmpty();

        // When the ladder ramps 10 % of traffic back to the primary
        final RecoveryOutcome ramped = executor.execute(ramp("c-ramp-10", 10));

        // Then a reading every 250 ms samples at least 20 requests within 2 s
        assertThat(ramped.getStatus()).as(ramped.getDetail()).isEqualTo(OutcomeStatus.SUCCEEDED);
        int sampled = 0;
        for (int i = 0; i < 8; i++) {
            sampled += ((QualityReading) sampler.sample(OBSERVED_AT.plusMillis(250L * i)).orElseThrow().getPayload())
                    .getSampleSize();
        }
        assertThat(sampled).isEqualTo(24);

        // When the ramp reaches 100 %
        executor.execute(ramp("c-ramp-100", 100));

        // Then the readings sample full traffic again
        assertThat(sampleSize(sampler.sample(OBSERVED_AT))).isEqualTo(30);
    }

    @Test
    void shouldSkipReadingWithoutValidPercent() {
        // Given the API calls the backup provider
        executor.execute(ActuatorCommands.command("c-switch-2", TARGET, "switch-provider", SwitchProvider.newBuilder()
                .setNamespace(NAMESPACE).setDeployment("rag-api").setContainer("api").setEnvName("PROVIDER")
                .setEnvValue("backup-llm").setReadyTimeoutMs(20_000).build(), Duration.ofMinutes(1)));

        // When the percent key is removed, then set to a word
        client.configMaps().inNamespace(NAMESPACE).withName("rag-api-settings").edit(configMap -> new ConfigMapBuilder(
                configMap).removeFromData("RAG_PRIMARY_TRAFFIC_PERCENT").build());
        final Optional<HealthEvent> absent = sampler.sample(OBSERVED_AT);
        client.configMaps().inNamespace(NAMESPACE).withName("rag-api-settings").edit(configMap -> new ConfigMapBuilder(
                configMap).addToData("RAG_PRIMARY_TRAFFIC_PERCENT", "half").build());
        final Optional<HealthEvent> invalid = sampler.sample(OBSERVED_AT);

        // Then
        assertThat(absent).isEmpty();
        assertThat(invalid).isEmpty();
    }

    @Test
    void shouldRejectSeedWithoutApi() {
        // Given
        final StackSeed seed = SeedLoader.loadDefault();
        final StackSeed withoutApi = new StackSeed(seed.namespace(), seed.workloads(), seed.vectorstore(),
                seed.shardRegistryConfigMap(), seed.restore(), seed.snapshots(), seed.documents(), Optional.empty(),
                seed.bootstrap());

        // Then
        try (SimulatedCluster bare = SimulatedCluster.start(withoutApi, FAST, null)) {
            assertThatThrownBy(() -> new QualitySampler(bare))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no api section");
        }
    }

    private static RecoveryCommand ramp(final String commandId, final int percent) {
        return ActuatorCommands.command(commandId, TARGET, "ramp-" + percent, ApplySettings.newBuilder()
                .setPurpose(SettingsPurpose.RAMP)
                .setCarrier(SettingsCarrier.CONFIG_MAP)
                .setNamespace(NAMESPACE)
                .setName("rag-api-settings")
                .setValues(Map.of("RAG_PRIMARY_TRAFFIC_PERCENT", Integer.toString(percent)))
                .setTrafficPercent(percent)
                .build(), Duration.ofMinutes(1));
    }

    private static int sampleSize(final Optional<HealthEvent> event) {
        return ((QualityReading) event.orElseThrow().getPayload()).getSampleSize();
    }
}
