package io.ragreactor.actuators.escalate;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class RolloutHistoryTest {

    private static final String KEY_VALUE = "sk-live-0123456789abcdef";

    KubernetesMockServer server;
    KubernetesClient client;

    private KubernetesClient actuatorClient;
    private CommandExecutor executor;

    @BeforeEach
    void seedRollouts() {
        // The API deployment at revision 2, which moved the key to a new Secret and changed the image
        final Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName("rag-api").withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "rag-api").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "rag-api").endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage("api:4.0.2").endContainer().endSpec()
                .endTemplate().endSpec()
                .build()).create();
        createReplicaSet(deployment, "rag-api-7b9d", "1", "api:4.0.1", null, List.of(
                new EnvVarBuilder().withName("PROVIDER").withValue("primary-llm").build(),
                secretRef("PRIMARY_API_KEY", "llm-keys", "primary"),
                new EnvVarBuilder().withName("DEBUG").withValue("false").build()));
        createReplicaSet(deployment, "rag-api-5c4f", "2", "api:4.0.2", "inc-1-switch-provider-1", List.of(
                new EnvVarBuilder().withName("PROVIDER").withValue(KEY_VALUE).build(),
                secretRef("PRIMARY_API_KEY", "llm-keys-v2", "primary")));
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new EscalationHandler(HttpClient.newHttpClient(), Map.of(),
                new RolloutHistory(actuatorClient, new Guards(Set.of(NAMESPACE))))));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldAddRecentRolloutsToEscalation() {
        // When an escalation names the API deployment to review
        final RecoveryOutcome outcome = RbacAudit.during(server, () -> executor.execute(
                command("c-escalate-changes", "escalate", review(NAMESPACE, "Deployment", "rag-api"))));

        // Then its evidence lists the newest revision first with what changed, and never a value
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        final String text = recentChanges(outcome).getText();
        // The API server sets creation times itself, so only their place in the line is checked.
        assertThat(text).matches("(?s)revision 2, ReplicaSet rag-api-5c4f created \\S+, made by rag-reactor command"
                + " inc-1-switch-provider-1: .*");
        assertThat(text).contains("api image api:4.0.1 -> api:4.0.2");
        assertThat(text).contains("api env PRIMARY_API_KEY from secret llm-keys/primary -> from secret llm-keys-v2/primary");
        assertThat(text).contains("api env PROVIDER value changed");
        assertThat(text).contains("api env DEBUG removed");
        assertThat(text).containsPattern("\nrevision 1, ReplicaSet rag-api-7b9d created \\S+: the oldest revision kept");
        assertThat(text).doesNotContain(KEY_VALUE).doesNotContain("primary-llm");
    }

    @Test
    void shouldNotReadOutsideAllowedNamespaces() {
        // When the workload to review is in a namespace the actuator may not touch
        final RecoveryOutcome outcome = executor.execute(
                command("c-escalate-other", "escalate", review("kube-system", "Deployment", "rag-api")));

        // Then the escalation still goes out, and the evidence names the reason the history is missing
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(recentChanges(outcome).getText()).startsWith("not read: ").contains("kube-system");
        assertThat(outcome.getCalls()).noneMatch(call -> call.contains("replicasets"));
    }

    @Test
    void shouldNoteStatefulSetWithoutHistory() {
        // When the workload to review is a StatefulSet
        final RecoveryOutcome outcome = executor.execute(
                command("c-escalate-sts", "escalate", review(NAMESPACE, "StatefulSet", "indexer")));

        // Then the evidence states that only Deployments are read
        assertThat(recentChanges(outcome).getText()).isEqualTo("not read: rollout history is read for Deployments only");
    }

    private static Escalate review(final String namespace, final String kind, final String name) {
        return Escalate.newBuilder(TestCommands.escalate())
                .setNamespace(namespace)
                .setRecentChangesOf(new WorkloadRef(kind, name))
                .build();
    }

    private static Evidence recentChanges(final RecoveryOutcome outcome) {
        return outcome.getEvidence().stream()
                .filter(evidence -> evidence.getKind().equals(RolloutHistory.EVIDENCE_KIND))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no recent-changes evidence in " + outcome.getEvidence()));
    }

    private void createReplicaSet(final Deployment owner, final String name, final String revision,
                                  final String image, final String commandMark, final List<EnvVar> env) {
        client.apps().replicaSets().inNamespace(NAMESPACE).resource(new ReplicaSetBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE)
                .addToLabels("app", "rag-api")
                .addToAnnotations("deployment.kubernetes.io/revision", revision)
                .addNewOwnerReference().withKind("Deployment").withName(owner.getMetadata().getName())
                .withApiVersion("apps/v1").withUid("uid-rag-api").withController(true).endOwnerReference()
                .endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "rag-api").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "rag-api")
                .withAnnotations(commandMark == null ? Map.of()
                        : Map.of(DeploymentEnvUpdate.COMMAND_ID_ANNOTATION, commandMark))
                .endMetadata()
                .withNewSpec().addNewContainer().withName("api").withImage(image).withEnv(env).endContainer()
                .endSpec().endTemplate().endSpec()
                .build()).create();
    }

    private static EnvVar secretRef(final String name, final String secret, final String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef().withName(secret)
                .withKey(key).endSecretKeyRef().endValueFrom().build();
    }
}
