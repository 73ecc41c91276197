package io.ragreactor.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.seed.SeedLoader;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rollout history the simulated Deployment controller keeps: one ReplicaSet per template, with its revision. */
class RolloutHistorySimulationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private SimulatedCluster cluster;
    private KubernetesClient client;

    @BeforeEach
    void startCluster() {
        cluster = SimulatedCluster.start(SeedLoader.loadDefault(), BootstrapSimulationTest.FAST, null);
        client = cluster.newClient();
    }

    @AfterEach
    void stopCluster() {
        client.close();
        cluster.close();
    }

    @Test
    void shouldNumberRevisionsLikeDeploymentController() {
        // Given the API deployment's first template recorded as revision 1
        await().atMost(TIMEOUT).until(() -> revisions().size() == 1);
        final String first = revisions().keySet().iterator().next();

        // When the provider is switched to the backup and then back
        setProvider("backup-llm");
        await().atMost(TIMEOUT).until(() -> revisions().size() == 2);
        setProvider("primary-llm");

        // Then the backup template is revision 2, and the first template, used again, becomes revision 3
        await().atMost(TIMEOUT).until(() -> "3".equals(revisions().get(first)));
        assertThat(revisions()).hasSize(2).containsValues("2", "3");
    }

    /** Maps the names of rag-api's ReplicaSets to their revisions. */
    private Map<String, String> revisions() {
        return client.apps().replicaSets().list().getItems().stream()
                .filter(replicaSet -> replicaSet.getMetadata().getOwnerReferences().stream()
                        .anyMatch(owner -> owner.getName().equals("rag-api")))
                .collect(Collectors.toMap(replicaSet -> replicaSet.getMetadata().getName(),
                        RolloutHistorySimulationTest::revision));
    }

    private static String revision(final ReplicaSet replicaSet) {
        return replicaSet.getMetadata().getAnnotations().get(DeploymentController.REVISION_ANNOTATION);
    }

    private void setProvider(final String provider) {
        client.apps().deployments().withName("rag-api").edit(deployment -> {
            deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(variable -> variable.getName().equals("PROVIDER"))
                    .forEach((EnvVar variable) -> variable.setValue(provider));
            return deployment;
        });
    }
}
