package io.ragreactor.actuators.settings;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The demo stack's API Deployment in the mock server, and the Deployment controller's part, which the mock
 * server does not play: the tests set the rollout status themselves.
 */
public final class ApiDeploymentFixture {

    public static final String DEPLOYMENT = "rag-api";

    private final KubernetesClient client;

    public ApiDeploymentFixture(final KubernetesClient client) {
        this.client = client;
    }

    /**
     * Creates {@value #DEPLOYMENT} with two replicas, rolled out: container {@code api} with PROVIDER=primary,
     * LOG_LEVEL=info and a key from a Secret, and container {@code cache-sidecar} without environment.
     */
    public void create() {
        client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName(DEPLOYMENT).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withReplicas(2)
                .withNewSelector().addToMatchLabels("app", "rag-api").endSelector()
                .withNewTemplate()
                .withNewMetadata().addToLabels("app", "rag-api").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("api").withImage("rag-api:2.3")
                .addNewEnv().withName("PROVIDER").withValue("primary").endEnv()
                .addNewEnv().withName("LOG_LEVEL").withValue("info").endEnv()
                .addNewEnv().withName("PRIMARY_API_KEY").withNewValueFrom().withNewSecretKeyRef()
                .withName("llm-keys").withKey("primary").endSecretKeyRef().endValueFrom().endEnv()
                .endContainer()
                .addNewContainer().withName("cache-sidecar").withImage("cache:1.0").endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
        rollOut();
    }

    public Deployment get() {
        return client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
    }

    /** Plays the Deployment controller after a finished rollout of the current generation. */
    public void rollOut() {
        final int replicas = 2;
        setStatus(replicas, replicas, replicas, null);
    }

    /** Plays the Deployment controller: the current generation observed, with the given counts and Progressing reason. */
    public void setStatus(final int replicas, final int updated, final int available, final String progressingReason) {
        client.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).editStatus(d -> {
            final DeploymentBuilder builder = new DeploymentBuilder(d);
            builder.withNewStatus()
                    .withObservedGeneration(d.getMetadata().getGeneration())
                    .withReplicas(replicas)
                    .withUpdatedReplicas(updated)
                    .withReadyReplicas(available)
                    .withAvailableReplicas(available)
                    .endStatus();
            if (progressingReason != null) {
                builder.editStatus().addNewCondition().withType("Progressing").withStatus("False")
                        .withReason(progressingReason).withMessage("ReplicaSet rag-api-7f9 has timed out progressing.")
                        .endCondition().endStatus();
            }
            return builder.build();
        });
    }

    /** Waits until the pod template carries {@code commandId}, that is until the handler patched it. */
    public void awaitPatchedBy(final String commandId) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> commandId.equals(templateAnnotations().get(DeploymentEnvUpdate.COMMAND_ID_ANNOTATION)));
    }

    public Map<String, String> templateAnnotations() {
        final Map<String, String> annotations = get().getSpec().getTemplate().getMetadata().getAnnotations();
        return annotations == null ? Map.of() : annotations;
    }

    /** Returns the literal environment of a container by name; variables taken from references map to their source. */
    public Map<String, String> env(final String container) {
        final Container found = get().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> container.equals(c.getName())).findFirst().orElseThrow();
        final List<EnvVar> env = found.getEnv() == null ? List.of() : found.getEnv();
        return env.stream().collect(Collectors.toMap(EnvVar::getName,
                e -> e.getValueFrom() == null ? e.getValue() : "valueFrom:" + e.getValueFrom().getSecretKeyRef().getName()));
    }

    /** Returns the names of a container's variables in their order. */
    public List<String> envNames(final String container) {
        return get().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> container.equals(c.getName())).findFirst().orElseThrow()
                .getEnv().stream().map(EnvVar::getName).toList();
    }
}
