package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.PodStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PodStatusMapperTest {

    private static final Instant AT = Instant.parse("2026-11-30T09:27:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PodStatusMapper mapper = new PodStatusMapper(Runbook.defaults());

    private static String sample(final String file) throws IOException {
        try (InputStream in = PodStatusMapperTest.class.getResourceAsStream("/" + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static ObjectNode sampleTree(final String file) throws IOException {
        return (ObjectNode) JSON.readTree(sample(file));
    }

    @Test
    void shouldMapDeploymentPodThroughItsReplicaSet() throws IOException {
        // When the generator's crash-looping pod is mapped
        final HealthEvent event = mapper.map(sample("pod-generator-crashloop.json"), AT);
        final PodStatus status = (PodStatus) event.getPayload();

        // Then its workload is the Deployment that owns its ReplicaSet, and the target is that workload
        assertThat(event.getTarget()).isEqualTo("rag-prod/generator/generator");
        assertThat(event.getSource()).isEqualTo("pod-watcher");
        assertThat(event.getObservedAt()).isEqualTo(AT);
        assertThat(status.getPodName()).isEqualTo("generator-7d9c6b5f4-x2k8p");
        assertThat(status.getWorkloadKind()).isEqualTo("Deployment");
        assertThat(status.getWorkloadName()).isEqualTo("generator");
        assertThat(status.getRevision()).isEqualTo("7d9c6b5f4");
        assertThat(status.getPhase()).isEqualTo("Running");
        assertThat(status.getReady()).isFalse();

        // And the container waits in CrashLoopBackOff after its last exit with code 1
        assertThat(status.getContainers()).hasSize(1);
        final ContainerState generator = status.getContainers().get(0);
        assertThat(generator.getName()).isEqualTo("generator");
        assertThat(generator.getReady()).isFalse();
        assertThat(generator.getRestartCount()).isEqualTo(5);
        assertThat(generator.getWaitingReason()).isEqualTo("CrashLoopBackOff");
        assertThat(generator.getTerminatedReason()).isEqualTo("Error");
        assertThat(generator.getExitCode()).isEqualTo(1);

        // And the init container has completed
        assertThat(status.getInitContainers()).hasSize(1);
        final ContainerState init = status.getInitContainers().get(0);
        assertThat(init.getName()).isEqualTo("wait-for-migrations");
        assertThat(init.getReady()).isTrue();
        assertThat(init.getWaitingReason()).isNull();
        assertThat(init.getTerminatedReason()).isEqualTo("Completed");
        assertThat(init.getExitCode()).isEqualTo(0);
    }

    @Test
    void shouldMapStatefulSetPod() throws IOException {
        // When the indexer's pod, whose init container crash-loops, is mapped
        final HealthEvent event = mapper.map(sample("pod-indexer-init-crashloop.json"), AT);
        final PodStatus status = (PodStatus) event.getPayload();

        // Then its workload is the StatefulSet, with the controller revision hash as revision
        assertThat(event.getTarget()).isEqualTo("rag-prod/indexer/indexer");
        assertThat(status.getPodName()).isEqualTo("indexer-0");
        assertThat(status.getWorkloadKind()).isEqualTo("StatefulSet");
        assertThat(status.getWorkloadName()).isEqualTo("indexer");
        assertThat(status.getRevision()).isEqualTo("indexer-5d8f7c6b9");
        assertThat(status.getPhase()).isEqualTo("Pending");
        assertThat(status.getReady()).isFalse();

        // And the init container crash-loops after exit code 2 while the container waits for it
        final ContainerState migrate = status.getInitContainers().get(0);
        assertThat(migrate.getName()).isEqualTo("migrate");
        assertThat(migrate.getRestartCount()).isEqualTo(4);
        assertThat(migrate.getWaitingReason()).isEqualTo("CrashLoopBackOff");
        assertThat(migrate.getExitCode()).isEqualTo(2);
        final ContainerState indexer = status.getContainers().get(0);
        assertThat(indexer.getWaitingReason()).isEqualTo("PodInitializing");
        assertThat(indexer.getTerminatedReason()).isNull();
        assertThat(indexer.getExitCode()).isNull();
    }

    @Test
    void shouldMapPodWithoutOwnerAsBarePod() throws IOException {
        // When the retriever's pod, which has no owner references, is mapped
        final HealthEvent event = mapper.map(sample("pod-retriever-containercreating.json"), AT);
        final PodStatus status = (PodStatus) event.getPayload();

        // Then the pod is its own workload, under the component its name label gives
        assertThat(status.getWorkloadKind()).isEqualTo("Pod");
        assertThat(status.getWorkloadName()).isEqualTo("retriever-6f8d7c9b5-q4w7z");
        assertThat(event.getTarget()).isEqualTo("rag-prod/retriever/retriever-6f8d7c9b5-q4w7z");
        assertThat(status.getRevision()).isNull();
        assertThat(status.getInitContainers()).isEmpty();
        assertThat(status.getContainers()).extracting(ContainerState::getWaitingReason)
                .containsExactly("ContainerCreating");
    }

    @Test
    void shouldMapReadyPodToEvent() throws IOException {
        // Given the generator's pod with its Ready condition True
        final ObjectNode pod = sampleTree("pod-generator-crashloop.json");
        for (final JsonNode condition : pod.path("status").path("conditions")) {
            if (condition.path("type").asText().equals("Ready")) {
                ((ObjectNode) condition).put("status", "True");
            }
        }

        // When it is mapped
        final PodStatus status = (PodStatus) mapper.map(pod, AT).getPayload();

        // Then a healthy pod still maps to a status event, with ready set
        assertThat(status.getReady()).isTrue();
    }

    @Test
    void shouldTakeListedComponentFromRunbook() throws IOException {
        // Given the generator's pod with a name label that differs from the runbook's component
        final ObjectNode pod = sampleTree("pod-generator-crashloop.json");
        ((ObjectNode) pod.path("metadata").path("labels")).put("app.kubernetes.io/name", "llm-generator");

        // When it is mapped
        final HealthEvent event = mapper.map(pod, AT);

        // Then the component is the one the runbook's bootstrap workloads give the generator Deployment
        assertThat(event.getTarget()).isEqualTo("rag-prod/generator/generator");
    }

    @Test
    void shouldTakeUnlistedComponentFromLabel() throws IOException {
        // Given a pod of a Deployment reranker, which the runbook does not list
        final ObjectNode pod = sampleTree("pod-generator-crashloop.json");
        final ObjectNode metadata = (ObjectNode) pod.path("metadata");
        metadata.put("name", "reranker-7d9c6b5f4-x2k8p");
        ((ObjectNode) metadata.path("labels")).put("app.kubernetes.io/name", "reranker");
        ((ObjectNode) metadata.path("ownerReferences").get(0)).put("name", "reranker-7d9c6b5f4");

        // When it is mapped
        final HealthEvent event = mapper.map(pod, AT);

        // Then the component is its name label and the instance its Deployment
        assertThat(event.getTarget()).isEqualTo("rag-prod/reranker/reranker");
        assertThat(((PodStatus) event.getPayload()).getWorkloadKind()).isEqualTo("Deployment");
    }

    @Test
    void shouldFallBackToWorkloadName() throws IOException {
        // Given the retriever's bare pod without its name label
        final ObjectNode pod = sampleTree("pod-retriever-containercreating.json");
        ((ObjectNode) pod.path("metadata").path("labels")).remove("app.kubernetes.io/name");

        // When it is mapped
        final HealthEvent event = mapper.map(pod, AT);

        // Then the workload's name is the component too
        assertThat(event.getTarget())
                .isEqualTo("rag-prod/retriever-6f8d7c9b5-q4w7z/retriever-6f8d7c9b5-q4w7z");
    }

    @Test
    void shouldKeepReplicaSetWithoutTemplateHash() throws IOException {
        // Given a pod owned by a ReplicaSet whose name does not end in the pod-template-hash
        final ObjectNode pod = sampleTree("pod-generator-crashloop.json");
        ((ObjectNode) pod.path("metadata").path("labels")).remove("pod-template-hash");

        // When it is mapped
        final PodStatus status = (PodStatus) mapper.map(pod, AT).getPayload();

        // Then the ReplicaSet is the workload, since no Deployment can be derived
        assertThat(status.getWorkloadKind()).isEqualTo("ReplicaSet");
        assertThat(status.getWorkloadName()).isEqualTo("generator-7d9c6b5f4");
        assertThat(status.getRevision()).isNull();
    }

    @Test
    void shouldMapTextAndTreeAlike() throws IOException {
        // When the same pod is mapped from its text and from its JSON tree
        final HealthEvent fromText = mapper.map(sample("pod-indexer-init-crashloop.json"), AT);
        final HealthEvent fromTree = mapper.map(sampleTree("pod-indexer-init-crashloop.json"), AT);

        // Then both events are equal, ids included
        assertThat(fromText).isEqualTo(fromTree);
    }

    @Test
    void shouldDeriveIdsFromStateAndTime() throws IOException {
        // Given the generator's pod and the same pod one restart later
        final String pod = sample("pod-generator-crashloop.json");
        final ObjectNode restarted = sampleTree("pod-generator-crashloop.json");
        ((ObjectNode) restarted.path("status").path("containerStatuses").get(0)).put("restartCount", 6);

        // When they are mapped
        final String id = mapper.map(pod, AT).getEventId();

        // Then the same state at the same time gets the same id, and another time or state another id
        assertThat(id).startsWith("pod-watcher-");
        assertThat(mapper.map(pod, AT).getEventId()).isEqualTo(id);
        assertThat(mapper.map(pod, AT.plusSeconds(1)).getEventId()).isNotEqualTo(id);
        assertThat(mapper.map(restarted, AT).getEventId()).isNotEqualTo(id);
    }

    @Test
    void shouldRejectTextThatIsNotJson() throws IOException {
        // When the text is not JSON, or two pods run together, then the mapping fails and names the cause
        assertThatThrownBy(() -> mapper.map("{not json", AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pod is not JSON");
        assertThatThrownBy(() -> mapper.map(sample("pod-retriever-containercreating.json")
                + sample("pod-indexer-init-crashloop.json"), AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pod is not JSON");
    }

    @Test
    void shouldRejectJsonThatIsNotPod() {
        // When the JSON is no object, or an object of another kind, then the mapping fails and names the cause
        assertThatThrownBy(() -> mapper.map("[]", AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pod is not a JSON object");
        assertThatThrownBy(() -> mapper.map("{\"kind\":\"List\",\"items\":[]}", AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kind 'List'");
    }

    @Test
    void shouldRejectPodWithoutNameNamespaceOrPhase() throws IOException {
        // Given the generator's pod without its name, without its namespace, and without its phase
        final ObjectNode noName = sampleTree("pod-generator-crashloop.json");
        ((ObjectNode) noName.path("metadata")).remove("name");
        final ObjectNode noNamespace = sampleTree("pod-generator-crashloop.json");
        ((ObjectNode) noNamespace.path("metadata")).remove("namespace");
        final ObjectNode noPhase = sampleTree("pod-generator-crashloop.json");
        ((ObjectNode) noPhase.path("status")).remove("phase");

        // Then each is rejected with the missing field in the message
        assertThatThrownBy(() -> mapper.map(noName, AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("metadata.name is missing");
        assertThatThrownBy(() -> mapper.map(noNamespace, AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("metadata.namespace is missing");
        assertThatThrownBy(() -> mapper.map(noPhase, AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status.phase of pod rag-prod/generator-7d9c6b5f4-x2k8p is missing");
    }
}
