package io.ragreactor.actuators.reopen;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static io.ragreactor.actuators.TestCommands.reopen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusMessage;
import io.fabric8.mockwebserver.internal.WebSocketMessage;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.rbac.RbacAudit;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true, https = false)
class ReopenIndexHandlerTest {

    /** Exec path of the newest Ready pod: each argument is its own command parameter, no shell in between. */
    private static final String EXEC_PATH = "/api/v1/namespaces/rag-prod/pods/vectorstore-shard-2-b/exec"
            + "?command=ctl&command=index&command=reopen&command=shard-2&container=vectorstore&stdout=true&stderr=true";

    KubernetesMockServer server;
    KubernetesClient client;

    private CommandExecutor executor;
    // The handler's own client, so RbacAudit can tell its requests from the test's.
    private KubernetesClient actuatorClient;

    @BeforeEach
    void seedPods() {
        createPod("vectorstore-shard-2-a", "2026-12-01T10:00:00Z", true);
        createPod("vectorstore-shard-2-b", "2026-12-01T11:00:00Z", true);
        createPod("vectorstore-shard-2-c", "2026-12-01T11:30:00Z", false);
        actuatorClient = RbacAudit.client(server);
        executor = TestCommands.executor(List.of(new ReopenIndexHandler(actuatorClient)));
    }

    @AfterEach
    void closeActuatorClient() {
        actuatorClient.close();
    }

    @Test
    void shouldFailReopenWhenExitCodeIsNonZero() {
        // Given
        server.expect().get().withPath(EXEC_PATH)
                .andUpgradeToWebSocket().open()
                .waitFor(10).andEmit(new OutputStreamMessage("done"))
                .waitFor(10).andEmit(exitStatus(1))
                .done().once();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-reopen-1", "reopen", reopen(5_000)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("non-zero-exit");
        assertThat(evidence(outcome, "exit-code").getText()).isEqualTo("1");
        assertThat(evidence(outcome, "output").getText()).isEqualTo("done");
        assertThat(evidence(outcome, "output").getSource()).isEqualTo("pods/rag-prod/vectorstore-shard-2-b/vectorstore");
        assertThat(evidence(outcome, "exec-status").getText()).contains("\"reason\":\"NonZeroExitCode\"");
        assertThat(outcome.getCalls()).containsExactly(
                "LIST pods/rag-prod?labelSelector=app=vectorstore,shard=shard-2",
                "PATCH pods/rag-prod/vectorstore-shard-2-b (annotation ragreactor.io/exec-command-id)",
                "POST pods/rag-prod/vectorstore-shard-2-b/exec container=vectorstore command=[ctl, index, reopen, shard-2]");
    }

    @Test
    void shouldNotExecAgainAfterCrashMidExec() {
        // Given an actuator that dies once its exec has started, before the exit status arrives
        server.expect().get().withPath(EXEC_PATH)
                .andUpgradeToWebSocket().open()
                .waitFor(10).andEmit(new OutputStreamMessage("reopening"))
                .waitFor(10).andEmit(exitStatus(0))
                .done().once();
        final CommandExecutor dying = new CommandExecutor(List.of(new ReopenIndexHandler(actuatorClient)),
                new Guards(Set.of(NAMESPACE)), "actuator-dying", Clock.systemUTC(), Duration.ofMillis(50),
                (cmd, call) -> {
                    if (call.startsWith("POST")) {
                        throw new SimulatedCrash(call);
                    }
                });
        final RecoveryCommand reopen = command("c-reopen-6", "reopen", reopen(5_000));
        assertThatThrownBy(() -> dying.execute(reopen)).isInstanceOf(SimulatedCrash.class);

        // When the same command is delivered to another actuator
        final RecoveryOutcome outcome = executor.execute(reopen);

        // Then the pod's mark shows the exec already started, so it fails with an unknown result and runs nothing
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("exec-result-unknown");
        assertThat(outcome.getCalls()).containsExactly("LIST pods/rag-prod?labelSelector=app=vectorstore,shard=shard-2");
        assertThat(client.pods().inNamespace(NAMESPACE).withName("vectorstore-shard-2-b").get().getMetadata()
                .getAnnotations()).containsEntry(ReopenIndexHandler.EXEC_COMMAND_ANNOTATION, "c-reopen-6");
    }

    @Test
    void shouldSucceedReopenWhenExitCodeIsZero() {
        // Given
        server.expect().get().withPath(EXEC_PATH)
                .andUpgradeToWebSocket().open()
                .waitFor(10).andEmit(new OutputStreamMessage("index reopened"))
                .waitFor(10).andEmit(exitStatus(0))
                .done().once();

        // When
        final RecoveryOutcome outcome = RbacAudit.during(server,
                () -> executor.execute(command("c-reopen-2", "reopen", reopen(5_000))));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(evidence(outcome, "exit-code").getText()).isEqualTo("0");
        assertThat(evidence(outcome, "output").getText()).isEqualTo("index reopened");
    }

    @Test
    void shouldTimeOutReopenWhenPodStopsAnswering() {
        // Given an exec connection that opens, sends some output and then nothing for longer than the timeout
        final byte[] lateStatus = exitStatus(0).getBytes();
        server.expect().get().withPath(EXEC_PATH)
                .andUpgradeToWebSocket().open()
                .waitFor(10).andEmit(new OutputStreamMessage("reopening"))
                .waitFor(10).andEmit(new WebSocketMessage(2_500L, lateStatus, true, true))
                .done().once();

        // When
        final Instant start = Instant.now();
        final RecoveryOutcome outcome = executor.execute(command("c-reopen-3", "reopen", reopen(1_000)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofMillis(2_500));
        assertThat(evidence(outcome, "output").getText()).isEqualTo("reopening");
    }

    @Test
    void shouldFailReopenWhenNoPodIsReady() {
        // Given
        client.pods().inNamespace(NAMESPACE).withName("vectorstore-shard-2-a").delete();
        client.pods().inNamespace(NAMESPACE).withName("vectorstore-shard-2-b").delete();

        // When
        final RecoveryOutcome outcome = executor.execute(command("c-reopen-4", "reopen", reopen(5_000)));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("no-ready-pod");
        assertThat(evidence(outcome, "pods").getText()).contains("vectorstore-shard-2-c ready=false");
    }

    @Test
    void shouldOnlyListExecInDryRun() {
        // When no exec expectation exists, a dry run must not need one
        final RecoveryOutcome outcome = executor.execute(command("c-reopen-5", "reopen", reopen(5_000), true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).last().asString().startsWith("POST pods/rag-prod/vectorstore-shard-2-b/exec");
    }

    private void createPod(final String name, final String createdAt, final boolean ready) {
        final Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).withCreationTimestamp(createdAt)
                .addToLabels("app", "vectorstore").addToLabels("shard", "shard-2").endMetadata()
                .withNewSpec().addNewContainer().withName("vectorstore").withImage("vectorstore:3").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus()
                .build();
        client.pods().inNamespace(NAMESPACE).resource(pod).create();
    }

    /** Builds the status a Kubernetes API server sends on the exec status channel when the process exited. */
    private static StatusMessage exitStatus(final int exitCode) {
        if (exitCode == 0) {
            return new StatusMessage(new StatusBuilder().withStatus("Success").build());
        }
        return new StatusMessage(new StatusBuilder()
                .withStatus("Failure")
                .withReason("NonZeroExitCode")
                .withMessage("command terminated with non-zero exit code: error executing command [ctl index reopen"
                        + " shard-2], exit code " + exitCode)
                .withNewDetails().addNewCause().withReason("ExitCode").withMessage(String.valueOf(exitCode)).endCause()
                .endDetails()
                .build());
    }

    /** Stops an executor the way a killed process stops: no outcome. */
    private static final class SimulatedCrash extends Error {
        SimulatedCrash(final String call) {
            super("simulated crash after " + call);
        }
    }

    private static Evidence evidence(final RecoveryOutcome outcome, final String kind) {
        return outcome.getEvidence().stream().filter(e -> kind.equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no evidence of kind " + kind + " in " + outcome.getEvidence()));
    }
}
