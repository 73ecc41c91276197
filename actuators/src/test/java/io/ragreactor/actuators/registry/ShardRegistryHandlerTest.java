package io.ragreactor.actuators.registry;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.REGISTRY;
import static io.ragreactor.actuators.TestCommands.command;
import static io.ragreactor.actuators.TestCommands.mark;
import static io.ragreactor.actuators.TestCommands.reintroduce;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class ShardRegistryHandlerTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeEach
    void seedRegistry() {
        client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
                .withNewMetadata().withName(REGISTRY).withNamespace(NAMESPACE)
                .addToAnnotations("owner", "search-team").endMetadata()
                .addToData("shard-1", "healthy")
                .addToData("shard-2", "healthy")
                .addToData("shard-3", "healthy")
                .addToData("replicas.shard-3", "shard-3-replica-a")
                .build()).create();
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(ShardRegistryHandler.markUnhealthy(actuatorClient),
                ShardRegistryHandler.reintroduce(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldMarkOnlyTheShardKeyUnhealthy() {
        // When
        final RecoveryOutcome outcome = RbacAudit.during(server,
                () -> executor.execute(command("c-mark-1", "mark-unhealthy", mark(NAMESPACE, "shard-3"))));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry",
                "PATCH configmaps/rag-prod/rag-shard-registry");
        assertThat(outcome.getActuator()).isEqualTo(TestCommands.INSTANCE);
        final ConfigMap registry = client.configMaps().inNamespace(NAMESPACE).withName(REGISTRY).get();
        assertThat(registry.getData()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "shard-1", "healthy", "shard-2", "healthy", "shard-3", "unhealthy",
                "replicas.shard-3", "shard-3-replica-a"));
        assertThat(registry.getMetadata().getAnnotations())
                .containsEntry(ShardRegistryHandler.LAST_COMMAND_ANNOTATION, "c-mark-1")
                .containsEntry("owner", "search-team");
    }

    @Test
    void shouldPatchOnlyShardKeyAndAnnotation() throws InterruptedException {
        // Given an expectation in front of the CRUD store, so the request body stays readable
        server.expect().patch().withPath("/api/v1/namespaces/rag-prod/configmaps/rag-shard-registry")
                .andReturn(200, client.configMaps().inNamespace(NAMESPACE).withName(REGISTRY).get()).once();

        // When
        executor.execute(command("c-mark-5", "mark-unhealthy", mark(NAMESPACE, "shard-3")));

        // Then
        final RecordedRequest patch = server.getLastRequest();
        assertThat(patch.getMethod()).isEqualTo("PATCH");
        assertThat(patch.getHeader("Content-Type")).startsWith("application/merge-patch+json");
        assertThat(patch.getUtf8Body()).isEqualTo("{\"data\":{\"shard-3\":\"unhealthy\"},\"metadata\":{\"annotations\":"
                + "{\"ragreactor.io/last-command-id\":\"c-mark-5\"}}}");
    }

    @Test
    void shouldReintroduceOnlyTheShardKey() {
        // Given
        executor.execute(command("c-mark-2", "mark-unhealthy", mark(NAMESPACE, "shard-3")));

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-back-2", "reintroduce", reintroduce("shard-3")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        final ConfigMap registry = client.configMaps().inNamespace(NAMESPACE).withName(REGISTRY).get();
        assertThat(registry.getData()).containsEntry("shard-3", "healthy").containsEntry("shard-1", "healthy")
                .containsEntry("replicas.shard-3", "shard-3-replica-a").hasSize(4);
        assertThat(registry.getMetadata().getAnnotations())
                .containsEntry(ShardRegistryHandler.LAST_COMMAND_ANNOTATION, "c-back-2");
    }

    @Test
    void shouldNotPatchWhenShardIsAlreadyUnhealthy() {
        // Given
        executor.execute(command("c-mark-3", "mark-unhealthy", mark(NAMESPACE, "shard-3")));

        // When
        final RecoveryOutcome again = executor.execute(command("c-mark-3", "mark-unhealthy", mark(NAMESPACE, "shard-3")));

        // Then
        assertThat(again.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(again.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry");
        assertThat(again.getDetail()).contains("already unhealthy");
    }

    @Test
    void shouldChangeNothingInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-dry-1", "mark-unhealthy", mark(NAMESPACE, "shard-3"),
                true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry",
                "PATCH configmaps/rag-prod/rag-shard-registry");
        final ConfigMap registry = client.configMaps().inNamespace(NAMESPACE).withName(REGISTRY).get();
        assertThat(registry.getData()).containsEntry("shard-3", "healthy");
        assertThat(registry.getMetadata().getAnnotations()).doesNotContainKey(ShardRegistryHandler.LAST_COMMAND_ANNOTATION);
    }

    @Test
    void shouldFailWhenShardIsNotInRegistry() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-mark-4", "mark-unhealthy", mark(NAMESPACE, "shard-9")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
        assertThat(client.configMaps().inNamespace(NAMESPACE).withName(REGISTRY).get().getData())
                .doesNotContainKey("shard-9");
    }
}
