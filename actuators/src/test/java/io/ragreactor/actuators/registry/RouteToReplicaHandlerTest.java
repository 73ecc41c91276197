package io.ragreactor.actuators.registry;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.REGISTRY;
import static io.ragreactor.actuators.TestCommands.command;
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
import io.ragreactor.schemas.command.RouteToReplica;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class RouteToReplicaHandlerTest {

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
                .addToData("shard-3", "unhealthy")
                .addToData("shard-3-replica-a", "healthy")
                .addToData("shard-3-replica-b", "unhealthy")
                .addToData("shard-4", "healthy")
                .addToData("replicas.shard-3", "shard-3-replica-a, shard-3-replica-b")
                .build()).create();
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new RouteToReplicaHandler(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldRouteShardToHealthyReplica() {
        // When
        final RecoveryOutcome outcome = RbacAudit.during(server,
                () -> executor.execute(command("c-route-1", "route", route("shard-3-replica-a"))));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry",
                "PATCH configmaps/rag-prod/rag-shard-registry");
        assertThat(outcome.getEvidence()).extracting(Evidence::getText)
                .containsExactly("route.shard-3: unset -> shard-3-replica-a");
        final ConfigMap registry = registry();
        assertThat(registry.getData()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "shard-3", "unhealthy", "shard-3-replica-a", "healthy", "shard-3-replica-b", "unhealthy",
                "shard-4", "healthy", "replicas.shard-3", "shard-3-replica-a, shard-3-replica-b",
                "route.shard-3", "shard-3-replica-a"));
        assertThat(registry.getMetadata().getAnnotations())
                .containsEntry(ShardRegistryHandler.LAST_COMMAND_ANNOTATION, "c-route-1")
                .containsEntry("owner", "search-team");
    }

    @Test
    void shouldPatchOnlyRouteKeyWithCheckedVersion() throws InterruptedException {
        // Given an expectation in front of the CRUD store, so the request body stays readable
        final ConfigMap before = registry();
        server.expect().patch().withPath("/api/v1/namespaces/rag-prod/configmaps/rag-shard-registry")
                .andReturn(200, before).once();

        // When
        executor.execute(command("c-route-2", "route", route("shard-3-replica-a")));

        // Then
        final RecordedRequest patch = server.getLastRequest();
        assertThat(patch.getMethod()).isEqualTo("PATCH");
        assertThat(patch.getHeader("Content-Type")).startsWith("application/merge-patch+json");
        assertThat(patch.getUtf8Body()).isEqualTo("{\"data\":{\"route.shard-3\":\"shard-3-replica-a\"},"
                + "\"metadata\":{\"resourceVersion\":\"" + before.getMetadata().getResourceVersion() + "\","
                + "\"annotations\":{\"ragreactor.io/last-command-id\":\"c-route-2\"}}}");
    }

    @Test
    void shouldReadRegistryAgainAfterConflict() {
        // Given the first patch loses a race with another writer
        server.expect().patch().withPath("/api/v1/namespaces/rag-prod/configmaps/rag-shard-registry")
                .andReturn(409, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                        + "\"reason\":\"Conflict\",\"code\":409}").once();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-3", "route", route("shard-3-replica-a")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry",
                "GET configmaps/rag-prod/rag-shard-registry", "PATCH configmaps/rag-prod/rag-shard-registry");
        assertThat(registry().getData()).containsEntry("route.shard-3", "shard-3-replica-a");
    }

    @Test
    void shouldNotPatchWhenRouteIsAlreadySet() {
        // Given
        final RecoveryOutcome first = executor.execute(command("c-route-4", "route", route("shard-3-replica-a")));
        final String versionAfterFirst = registry().getMetadata().getResourceVersion();

        // When the same command is delivered again
        final RecoveryOutcome again = executor.execute(command("c-route-4", "route", route("shard-3-replica-a")));

        // Then
        assertThat(again.getStatus()).isEqualTo(first.getStatus());
        assertThat(again.getReason()).isEqualTo("ok");
        assertThat(again.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry");
        assertThat(again.getDetail()).contains("already go to shard-3-replica-a");
        assertThat(registry().getMetadata().getResourceVersion()).isEqualTo(versionAfterFirst);
    }

    @Test
    void shouldFailWhenReplicaIsNotListed() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-5", "route", route("shard-4")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
        assertThat(outcome.getDetail()).isEqualTo("replica shard-4 is not listed in replicas.shard-3 of"
                + " configmaps/rag-prod/rag-shard-registry");
        assertThat(outcome.getEvidence()).extracting(Evidence::getText)
                .containsExactly("replicas.shard-3: shard-3-replica-a,shard-3-replica-b");
        assertThat(registry().getData()).doesNotContainKey("route.shard-3");
    }

    @Test
    void shouldFailWhenReplicaIsUnhealthy() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-6", "route", route("shard-3-replica-b")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("replica-not-healthy");
        assertThat(outcome.getDetail()).isEqualTo("replica shard-3-replica-b is unhealthy in"
                + " configmaps/rag-prod/rag-shard-registry, so queries of shard-3 were not routed to it");
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry");
        assertThat(registry().getData()).doesNotContainKey("route.shard-3");
    }

    @Test
    void shouldFailWhenReplicaHasNoHealthKey() {
        // Given a listed replica without its own key
        client.configMaps().inNamespace(NAMESPACE).withName(REGISTRY).edit(cm -> new ConfigMapBuilder(cm)
                .addToData("replicas.shard-3", "shard-3-replica-a,shard-3-replica-c").build());

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-7", "route", route("shard-3-replica-c")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getDetail()).startsWith("replica shard-3-replica-c is missing from");
        assertThat(registry().getData()).doesNotContainKey("route.shard-3");
    }

    @Test
    void shouldFailWhenRegistryDoesNotExist() {
        // Given
        final RouteToReplica action = route("shard-3-replica-a");
        action.setConfigMap("other-registry");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-8", "route", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("not-found");
    }

    @Test
    void shouldChangeNothingInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-9", "route", route("shard-3-replica-a"),
                true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly("GET configmaps/rag-prod/rag-shard-registry",
                "PATCH configmaps/rag-prod/rag-shard-registry");
        assertThat(registry().getData()).doesNotContainKey("route.shard-3");
        assertThat(registry().getMetadata().getAnnotations())
                .doesNotContainKey(ShardRegistryHandler.LAST_COMMAND_ANNOTATION);
    }

    @Test
    void shouldRejectNamespaceOutsideAllowList() {
        // Given
        final RouteToReplica action = route("shard-3-replica-a");
        action.setNamespace("kube-system");

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-10", "route", action));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("namespace-not-allowed");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectInvalidReplicaName() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-11", "route", route("Replica;rm -rf")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
        assertThat(outcome.getCalls()).isEmpty();
    }

    @Test
    void shouldRejectInvalidShardAndConfigMapNames() {
        // Given
        final RouteToReplica badShard = route("shard-3-replica-a");
        badShard.setShard("shard_3");
        final RouteToReplica badConfigMap = route("shard-3-replica-a");
        badConfigMap.setConfigMap("../registry");

        // When
        final RecoveryOutcome shardOutcome = executor.execute(command("c-route-12", "route", badShard));
        final RecoveryOutcome configMapOutcome = executor.execute(command("c-route-13", "route", badConfigMap));

        // Then
        assertThat(shardOutcome.getReason()).isEqualTo("invalid-name");
        assertThat(shardOutcome.getDetail()).startsWith("shard [shard_3]");
        assertThat(configMapOutcome.getReason()).isEqualTo("invalid-name");
        assertThat(configMapOutcome.getDetail()).startsWith("configMap [../registry]");
    }

    @Test
    void shouldRejectRouteToShardItself() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-route-14", "route", route("shard-3")));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
    }

    private ConfigMap registry() {
        return client.configMaps().inNamespace(NAMESPACE).withName(REGISTRY).get();
    }

    private static RouteToReplica route(final String replica) {
        return RouteToReplica.newBuilder().setNamespace(NAMESPACE).setConfigMap(REGISTRY).setShard("shard-3")
                .setReplica(replica).build();
    }
}
