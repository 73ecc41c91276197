package io.ragreactor.actuators.execution;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static io.ragreactor.actuators.TestCommands.mark;
import static io.ragreactor.actuators.TestCommands.reopen;
import static io.ragreactor.actuators.TestCommands.restore;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.escalate.EscalationHandler;
import io.ragreactor.actuators.registry.ShardRegistryHandler;
import io.ragreactor.actuators.reopen.ReopenIndexHandler;
import io.ragreactor.actuators.restore.RestoreSnapshotHandler;
import io.ragreactor.actuators.restore.SnapshotSelector;
import io.ragreactor.schemas.command.ApplySettings;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.command.SettingsCarrier;
import io.ragreactor.schemas.command.SettingsPurpose;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Guards reject bad commands before any call reaches the API server, and never throw. */
@EnableKubernetesMockClient(crud = true, https = false)
class CommandExecutorGuardTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private CommandExecutor executor;

    @BeforeEach
    void createExecutor() {
        // The S3 client is never called: every command here is rejected first.
        final S3Client unusedS3 = S3Client.builder().region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create()).build();
        executor = TestCommands.executor(List.of(ShardRegistryHandler.markUnhealthy(client),
                new ReopenIndexHandler(client), new RestoreSnapshotHandler(client, new SnapshotSelector(unusedS3)),
                new EscalationHandler(java.net.http.HttpClient.newHttpClient(), java.util.Map.of())));
    }

    @Test
    void shouldRejectShardThatIsNotDnsLabel() {
        // When
        final RecoveryOutcome outcome = run(command("c-guard-1", "mark-unhealthy", mark(NAMESPACE, "shard-3;rm -rf /")));

        // Then
        assertRejected(outcome, "invalid-name");
        assertThat(outcome.getDetail()).startsWith("shard [shard-3;rm -rf /] is not a DNS-1123 label");
    }

    @Test
    void shouldRejectNamespaceOutOfScope() {
        // When
        final RecoveryOutcome outcome = run(command("c-guard-2", "mark-unhealthy", mark("kube-system", "shard-3")));

        // Then
        assertRejected(outcome, "namespace-not-allowed");
        assertThat(outcome.getDetail()).isEqualTo("namespace [kube-system] is not in the allowed namespaces [rag-prod]");
    }

    @Test
    void shouldRejectInvalidLabelInPodSelector() {
        // Given
        final ReopenIndex action = reopen(5_000);
        action.setPodSelector(Map.of("app", "vector store"));

        // When
        final RecoveryOutcome outcome = run(command("c-guard-3", "reopen", action));

        // Then
        assertRejected(outcome, "invalid-name");
        assertThat(outcome.getDetail()).startsWith("podSelector[app] [vector store] is not a label value");
    }

    @Test
    void shouldRejectInvalidContainerName() {
        // Given
        final ReopenIndex action = reopen(5_000);
        action.setContainer("Vectorstore_Main");

        // When
        final RecoveryOutcome outcome = run(command("c-guard-4", "reopen", action));

        // Then
        assertRejected(outcome, "invalid-name");
    }

    @Test
    void shouldRejectCommandIdThatIsNotLabel() {
        // When
        final RecoveryOutcome outcome = run(command("inc:shard-3/restore#1", "restore", restore("snapshots", 30_000)));

        // Then
        assertRejected(outcome, "invalid-name");
        assertThat(outcome.getDetail()).contains("ragreactor.io/command-id");
    }

    @Test
    void shouldRejectRestoreOfStatefulSet() {
        // Given
        final RestoreSnapshot action = restore("snapshots", 30_000);
        action.getWorkload().setKind("StatefulSet");

        // When
        final RecoveryOutcome outcome = run(command("c-guard-6", "restore", action));

        // Then
        assertRejected(outcome, "unsupported-action");
    }

    @Test
    void shouldRejectUnsupportedActionType() {
        // Given
        final ApplySettings action = ApplySettings.newBuilder().setPurpose(SettingsPurpose.FALLBACK_MODE)
                .setCarrier(SettingsCarrier.CONFIG_MAP).setNamespace(NAMESPACE).setName("rag-api-settings")
                .setValues(Map.of("mode", "fallback")).build();

        // When
        final RecoveryOutcome outcome = run(command("c-guard-7", "fallback", action));

        // Then
        assertRejected(outcome, "unsupported-action");
        assertThat(outcome.getDetail()).isEqualTo("this actuator does not execute action ApplySettings");
    }

    @Test
    void shouldRecordEscalationAsSucceeded() {
        // When
        final RecoveryOutcome outcome = executor.execute(command("c-escalate-1", "escalate", TestCommands.escalate()));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("escalation-recorded");
        assertThat(outcome.getEvidence().get(0).getText()).isEqualTo("severity page: shard-3 restore failed twice");
    }

    private RecoveryOutcome run(final RecoveryCommand command) {
        final int requestsBefore = server.getRequestCount();
        final RecoveryOutcome outcome = executor.execute(command);
        assertThat(server.getRequestCount()).as("requests to the API server").isEqualTo(requestsBefore);
        return outcome;
    }

    private static void assertRejected(final RecoveryOutcome outcome, final String reason) {
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo(reason);
        assertThat(outcome.getCalls()).isEmpty();
        assertThat(outcome.getCommandId()).isNotEmpty();
    }
}
