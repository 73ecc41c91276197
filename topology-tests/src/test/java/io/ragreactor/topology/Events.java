package io.ragreactor.topology;

import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexErrorKind;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.RetrievedDocument;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builders of health events and outcomes for topology tests. */
final class Events {

    private static int sequence;

    private Events() {
    }

    static String shard(final String name) {
        return "rag-prod/vectorstore/" + name;
    }

    /** Builds a golden-query result for {@code shard}; {@code hits} alternate document id and score. */
    static HealthEvent goldenQuery(final String shard, final String qid, final Instant at, final Object... hits) {
        final List<RetrievedDocument> retrieved = new ArrayList<>();
        for (int i = 0; i < hits.length; i += 2) {
            retrieved.add(new RetrievedDocument((String) hits[i], ((Number) hits[i + 1]).doubleValue()));
        }
        return event(shard, at, "golden-query-prober", new GoldenQueryResult(qid, retrieved, 12L));
    }

    static HealthEvent ioError(final String shard, final Instant at) {
        return event(shard, at, "vectorstore-log", new IndexIoError(IndexErrorKind.IO,
                "ERROR segment_loader: failed to mmap /data/index/seg-000183.vec: Input/output error", "seg-000183.vec",
                "vectorstore-" + shard.substring(shard.lastIndexOf('/') + 1) + "-0"));
    }

    static HealthEvent shardStatus(final String shard, final Instant at, final ShardHealth health, final long documents) {
        return event(shard, at, "vectorstore-status", new ShardStatus(health, documents));
    }

    static HealthEvent event(final String target, final Instant at, final String source, final Object payload) {
        return HealthEvent.newBuilder()
                .setEventId("evt-" + (++sequence))
                .setObservedAt(at)
                .setTarget(target)
                .setSource(source)
                .setPayload(payload)
                .build();
    }

    static RecoveryOutcome outcome(final RecoveryCommand command, final OutcomeStatus status, final Instant finishedAt,
                                   final String detail) {
        return RecoveryOutcome.newBuilder()
                .setCommandId(command.getCommandId())
                .setIncidentId(command.getIncidentId())
                .setTarget(command.getTarget())
                .setStep(command.getStep())
                .setAttempt(command.getAttempt())
                .setStatus(status)
                .setReason(status == OutcomeStatus.SUCCEEDED ? "ok" : "test-" + status.name().toLowerCase(java.util.Locale.ROOT))
                .setStartedAt(command.getIssuedAt())
                .setFinishedAt(finishedAt)
                .setDetail(detail)
                .setCalls(new ArrayList<>())
                .setEvidence(new ArrayList<>(List.of(new Evidence("test", "topology-test", detail, false))))
                .setActuator("topology-test")
                .build();
    }

    static RecoveryOutcome succeeded(final RecoveryCommand command, final Instant finishedAt) {
        return outcome(command, OutcomeStatus.SUCCEEDED, finishedAt, command.getStep() + " done");
    }
}
