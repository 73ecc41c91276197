package io.ragreactor.actuators.rbac;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class RbacAuditTest {

    private static final RoleRules ROLE = RoleRules.load(RbacAudit.MANIFEST, RbacAudit.ROLE);

    KubernetesMockServer server;
    KubernetesClient client;

    private KubernetesClient audited;

    @BeforeEach
    void seedConfigMapAndClaim() {
        client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("rag-shard-registry").endMetadata()
                .addToData("shard-1", "healthy").build()).create();
        client.persistentVolumeClaims().inNamespace(NAMESPACE).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("index-shard-1").endMetadata().build()).create();
        audited = RbacAudit.client(server);
    }

    @AfterEach
    void closeAuditedClient() {
        audited.close();
    }

    @Test
    void shouldMapGetOnNameToGet() {
        // When
        final ApiRequest request = ApiRequest.of("GET", "/api/v1/namespaces/rag-prod/configmaps/rag-shard-registry");

        // Then
        assertThat(request).isEqualTo(new ApiRequest("get", "", "configmaps", null, "rag-prod",
                "rag-shard-registry"));
    }

    @Test
    void shouldMapGetOnCollectionToListOrWatch() {
        // When
        final ApiRequest list = ApiRequest.of("GET", "/api/v1/namespaces/rag-prod/pods?labelSelector=app%3Dapi");
        final ApiRequest watch = ApiRequest.of("GET",
                "/api/v1/namespaces/rag-prod/pods?fieldSelector=metadata.name%3Dapi-0&watch=true");

        // Then
        assertThat(list.verb()).isEqualTo("list");
        assertThat(list.name()).isNull();
        assertThat(watch.verb()).isEqualTo("watch");
        assertThat(watch.resource()).isEqualTo("pods");
    }

    @Test
    void shouldMapWriteMethodsToVerbs() {
        // When / Then
        assertThat(ApiRequest.of("POST", "/apis/batch/v1/namespaces/rag-prod/jobs").verb()).isEqualTo("create");
        assertThat(ApiRequest.of("PUT", "/apis/apps/v1/namespaces/rag-prod/deployments/api").verb())
                .isEqualTo("update");
        assertThat(ApiRequest.of("PATCH", "/apis/apps/v1/namespaces/rag-prod/deployments/api").verb())
                .isEqualTo("patch");
        assertThat(ApiRequest.of("DELETE", "/api/v1/namespaces/rag-prod/persistentvolumeclaims/index").verb())
                .isEqualTo("delete");
        assertThat(ApiRequest.of("DELETE", "/api/v1/namespaces/rag-prod/pods").verb())
                .isEqualTo("deletecollection");
    }

    @Test
    void shouldMapPathSuffixesToSubresources() {
        // When
        final ApiRequest log = ApiRequest.of("GET", "/api/v1/namespaces/rag-prod/pods/api-0/log?previous=true");
        final ApiRequest exec = ApiRequest.of("GET", "/api/v1/namespaces/rag-prod/pods/api-0/exec?command=ls");
        final ApiRequest status = ApiRequest.of("PUT", "/apis/apps/v1/namespaces/rag-prod/deployments/api/status");
        final ApiRequest scale = ApiRequest.of("PATCH", "/apis/apps/v1/namespaces/rag-prod/statefulsets/gen/scale");

        // Then
        assertThat(log.qualifiedResource()).isEqualTo("pods/log");
        assertThat(log.verb()).isEqualTo("get");
        assertThat(exec.qualifiedResource()).isEqualTo("pods/exec");
        assertThat(status.qualifiedResource()).isEqualTo("deployments/status");
        assertThat(status.apiGroup()).isEqualTo("apps");
        assertThat(scale.qualifiedResource()).isEqualTo("statefulsets/scale");
        assertThat(scale.verb()).isEqualTo("patch");
    }

    @Test
    void shouldMapNamespaceObjectAndDiscoveryPaths() {
        // When
        final ApiRequest namespace = ApiRequest.of("GET", "/api/v1/namespaces/rag-prod");
        final ApiRequest namespaceStatus = ApiRequest.of("PUT", "/api/v1/namespaces/rag-prod/status");
        final ApiRequest discovery = ApiRequest.of("GET", "/apis/apps/v1");

        // Then the API server also reads a Namespace's own name as its namespace
        assertThat(namespace).isEqualTo(new ApiRequest("get", "", "namespaces", null, "rag-prod", "rag-prod"));
        assertThat(namespaceStatus.qualifiedResource()).isEqualTo("namespaces/status");
        assertThat(discovery.nonResource()).isTrue();
    }

    @Test
    void shouldAllowConfigMapGet() {
        // When
        final String reason = ROLE.deniedReason(
                ApiRequest.of("GET", "/api/v1/namespaces/rag-prod/configmaps/rag-shard-registry"));

        // Then
        assertThat(reason).isNull();
    }

    @Test
    void shouldRejectPvcDelete() {
        // When
        final String reason = ROLE.deniedReason(
                ApiRequest.of("DELETE", "/api/v1/namespaces/rag-prod/persistentvolumeclaims/index-shard-1"));

        // Then
        assertThat(reason).contains("no rule");
    }

    @Test
    void shouldRejectEveryDeleteAndUpdate() {
        // Given the resources the actuators touch
        final String[] paths = {"/api/v1/namespaces/rag-prod/configmaps/c", "/api/v1/namespaces/rag-prod/pods/p",
            "/api/v1/namespaces/rag-prod/persistentvolumeclaims/v", "/apis/apps/v1/namespaces/rag-prod/deployments/d",
            "/apis/apps/v1/namespaces/rag-prod/statefulsets/s", "/apis/batch/v1/namespaces/rag-prod/jobs/j"};

        // When / Then
        for (final String path : paths) {
            assertThat(ROLE.deniedReason(ApiRequest.of("DELETE", path))).as("DELETE %s", path).isNotNull();
            assertThat(ROLE.deniedReason(ApiRequest.of("PUT", path))).as("PUT %s", path).isNotNull();
        }
    }

    @Test
    void shouldRejectStatusAndScaleSubresources() {
        // When
        final String status = ROLE.deniedReason(
                ApiRequest.of("PATCH", "/apis/apps/v1/namespaces/rag-prod/deployments/api/status"));
        final String scale = ROLE.deniedReason(
                ApiRequest.of("PATCH", "/apis/apps/v1/namespaces/rag-prod/deployments/api/scale"));

        // Then
        assertThat(status).contains("no rule");
        assertThat(scale).contains("no rule");
    }

    @Test
    void shouldRejectNamespaceWithoutRoleBinding() {
        // When
        final String reason = ROLE.deniedReason(
                ApiRequest.of("GET", "/api/v1/namespaces/kube-system/configmaps/rag-shard-registry"));

        // Then
        assertThat(reason).contains("no RoleBinding").contains("kube-system");
    }

    @Test
    void shouldRejectClusterScopedAndNonResourceRequests() {
        // When
        final String nodes = ROLE.deniedReason(ApiRequest.of("GET", "/api/v1/nodes"));
        final String version = ROLE.deniedReason(ApiRequest.of("GET", "/version"));

        // Then
        assertThat(nodes).contains("cluster-scoped");
        assertThat(version).contains("no resource");
    }

    @Test
    void shouldPassAuditWhenRoleAllowsEveryRequest() {
        // When
        final ConfigMap read = RbacAudit.during(server,
                () -> audited.configMaps().inNamespace(NAMESPACE).withName("rag-shard-registry").get());

        // Then
        assertThat(read.getData()).containsEntry("shard-1", "healthy");
    }

    @Test
    void shouldFailAuditNamingDeniedRequest() {
        // When / Then
        assertThatThrownBy(() -> RbacAudit.during(server,
                () -> audited.persistentVolumeClaims().inNamespace(NAMESPACE).withName("index-shard-1").delete()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("DELETE /api/v1/namespaces/rag-prod/persistentvolumeclaims/index-shard-1")
                .hasMessageContaining("no rule of Role rag-reactor-actuators allows it");
    }

    @Test
    void shouldIgnoreRequestsFromOtherClients() {
        // Given a test client that deletes during the action, as tests do when they play a controller
        // When / Then
        assertThatThrownBy(() -> RbacAudit.during(server,
                () -> client.persistentVolumeClaims().inNamespace(NAMESPACE).withName("index-shard-1").delete()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("No request from the audited client");
    }
}
