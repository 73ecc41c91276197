package io.ragreactor.actuators;

import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.SideEffectHook;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReintroduceShard;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.common.WorkloadRef;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds commands and executors for the tests, with the names of the demo's RAG stack. */
public final class TestCommands {

    public static final String NAMESPACE = "rag-prod";
    public static final String REGISTRY = "rag-shard-registry";
    public static final String INSTANCE = "actuator-test";
    public static final Instant ISSUED_AT = Instant.parse("2026-12-01T12:00:00Z");

    private TestCommands() {
    }

    public static RecoveryCommand command(final String commandId, final String step, final Object action) {
        return command(commandId, step, action, false);
    }

    public static RecoveryCommand command(final String commandId, final String step, final Object action,
                                          final boolean dryRun) {
        return RecoveryCommand.newBuilder()
                .setCommandId(commandId)
                .setIncidentId("inc-shard-3-1")
                .setStep(step)
                .setAttempt(1)
                .setTarget(NAMESPACE + "/vectorstore/shard-3")
                .setIssuedAt(ISSUED_AT)
                .setDeadline(ISSUED_AT.plusSeconds(600))
                .setDryRun(dryRun)
                .setRunbookVersion("test-1")
                .setCauseEventIds(List.of("ev-1", "ev-2", "ev-3"))
                .setAction(action)
                .build();
    }

    public static MarkShardUnhealthy mark(final String namespace, final String shard) {
        return MarkShardUnhealthy.newBuilder().setNamespace(namespace).setConfigMap(REGISTRY).setShard(shard).build();
    }

    public static ReintroduceShard reintroduce(final String shard) {
        return ReintroduceShard.newBuilder().setNamespace(NAMESPACE).setConfigMap(REGISTRY).setShard(shard).build();
    }

    public static ReopenIndex reopen(final long timeoutMs) {
        return ReopenIndex.newBuilder()
                .setNamespace(NAMESPACE)
                .setPodSelector(Map.of("app", "vectorstore", "shard", "shard-2"))
                .setContainer("vectorstore")
                .setArgv(List.of("ctl", "index", "reopen", "shard-2"))
                .setTimeoutMs(timeoutMs)
                .setMaxOutputBytes(4096)
                .build();
    }

    public static RestoreSnapshot restore(final String bucket, final long readyTimeoutMs) {
        return RestoreSnapshot.newBuilder()
                .setNamespace(NAMESPACE)
                .setShard("shard-3")
                .setBucket(bucket)
                .setPrefix("snapshots/shard-3/")
                .setWorkload(WorkloadRef.newBuilder().setKind("Deployment").setName("vectorstore-shard-3").build())
                .setVolumeName("index")
                .setPvcNamePrefix("vectorstore-shard-3-index")
                .setStorageSize("20Gi")
                .setStorageClassName("standard")
                .setJob(JobSpec.newBuilder()
                        .setNamePrefix("restore-shard-3")
                        .setImage("ghcr.io/example/snapshot-restore:1.4")
                        .setCommand(List.of("restore", "--verify"))
                        .setEnv(Map.of("TARGET_DIR", "/restore"))
                        .setBackoffLimit(0)
                        .setActiveDeadlineSeconds(1800)
                        .build())
                .setMountPath("/restore")
                .setSnapshotEnvVar("SNAPSHOT_URI")
                .setPodSelector(Map.of("app", "vectorstore", "shard", "shard-3"))
                .setReadyTimeoutMs(readyTimeoutMs)
                .build();
    }

    public static Escalate escalate() {
        return Escalate.newBuilder()
                .setChannel("oncall-search")
                .setSeverity("page")
                .setSummary("shard-3 restore failed twice")
                .setEvidence(List.of())
                .build();
    }

    /** Builds an executor with the given handlers, allowed into {@link #NAMESPACE} only, polling state every 50 ms. */
    public static CommandExecutor executor(final List<ActionHandler<?>> handlers) {
        return new CommandExecutor(handlers, new Guards(Set.of(NAMESPACE)), INSTANCE, Clock.systemUTC(),
                Duration.ofMillis(50), SideEffectHook.NONE);
    }
}
