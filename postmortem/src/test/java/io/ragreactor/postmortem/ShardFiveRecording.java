package io.ragreactor.postmortem;

import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReindexMissingDocuments;
import io.ragreactor.schemas.command.ReintroduceShard;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.GoldenQuery;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexErrorKind;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.RetrievedDocument;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentSummary;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A recording of shard-5's incident as the reactor and the actuators write it: three symptoms open it, then
 * mark unhealthy, a reopen that fails on a checksum error, a restore of the newest complete snapshot,
 * validation, reintroduction and reindex. Records of the healthy shard-4 and one symptom folded in after the
 * detection travel with it, and one golden query before {@link #RANGE} lies outside the replay.
 */
final class ShardFiveRecording {

    static final String TARGET = "rag-prod/vectorstore/shard-5";
    static final String INCIDENT = "inc-5c0d7e2a91b3f486";
    static final TopicRangeReader.Range RANGE = new TopicRangeReader.Range(
            Instant.parse("2026-11-30T09:00:00Z"), Instant.parse("2026-11-30T10:00:00Z"));
    static final List<String> LADDER = List.of("mark-unhealthy", "reopen", "restore", "validate", "reintroduce",
            "reindex");

    private static final String NAMESPACE = "rag-prod";
    private static final String REGISTRY = "rag-shard-registry";
    private static final String POD = "vectorstore-shard-5-0";
    private static final Instant FIRST = Instant.parse("2026-11-30T09:13:00.011Z");
    private static final Instant DETECTED = Instant.parse("2026-11-30T09:14:00.015Z");

    final List<HealthEvent> health = new ArrayList<>();
    final List<RecoveryCommand> commands = new ArrayList<>();
    final List<RecoveryOutcome> outcomes = new ArrayList<>();
    final List<IncidentUpdate> updates = new ArrayList<>();

    private final List<StepRecord> steps = new ArrayList<>();
    private final List<Evidence> evidence = new ArrayList<>();

    ShardFiveRecording() {
        // Before the range: a healthy result of shard-5 that the replay must not see.
        health.add(golden("hev-0000", "2026-11-30T08:59:59.990Z", TARGET, "gq-005",
                List.of(doc("doc-err-1042", 0.94))));
        health.add(golden("hev-0001", "2026-11-30T09:12:00.010Z", "rag-prod/vectorstore/shard-4", "gq-003",
                List.of(doc("doc-pol-0107", 0.91), doc("doc-kb-2210", 0.88))));

        // The symptoms: an empty result, a checksum error, a score below the golden set's minimum.
        health.add(golden("hev-0101", "2026-11-30T09:13:00.011Z", TARGET, "gq-007", List.of()));
        health.add(HealthEvent.newBuilder().setEventId("hev-0102").setObservedAt(Instant.parse("2026-11-30T09:13:30.120Z"))
                .setTarget(TARGET).setSource("vectorstore-log")
                .setPayload(IndexIoError.newBuilder().setKind(IndexErrorKind.CHECKSUM)
                        .setMessage("checksum mismatch in segment _4f.cfs: expected 0x9a1c, found 0x0000")
                        .setSegment("_4f.cfs").setPodName(POD).build())
                .build());
        health.add(golden("hev-0103", "2026-11-30T09:14:00.015Z", TARGET, "gq-005", List.of(doc("doc-err-1042", 0.31))));
        update(DETECTED, IncidentState.OPEN, "opened: 3 symptoms within 5m, last: golden query gq-005 below its"
                + " minimum score 0.5 | expected doc-err-1042", null);

        // The ladder.
        issue("mark-unhealthy", DETECTED, Duration.ofMinutes(1), new MarkShardUnhealthy(NAMESPACE, REGISTRY, "shard-5"),
                List.of("hev-0101", "hev-0102", "hev-0103"));
        finish("mark-unhealthy", "2026-11-30T09:14:00.180Z", "2026-11-30T09:14:00.412Z", OutcomeStatus.SUCCEEDED, "ok",
                "set shard-5 to unhealthy in configmaps/rag-prod/rag-shard-registry", List.of());

        health.add(HealthEvent.newBuilder().setEventId("hev-0104").setObservedAt(Instant.parse("2026-11-30T09:14:10.300Z"))
                .setTarget(TARGET).setSource("vectorstore-log")
                .setPayload(IndexIoError.newBuilder().setKind(IndexErrorKind.IO)
                        .setMessage("read failed at offset 8388608 of _4f.cfs: Input/output error")
                        .setSegment("_4f.cfs").setPodName(POD).build())
                .build());

        issue("reopen", Instant.parse("2026-11-30T09:14:00.412Z"), Duration.ofMinutes(2),
                new ReopenIndex(NAMESPACE, Map.of("app", "vectorstore", "shard", "shard-5"), "vectorstore",
                        List.of("ctl", "index", "reopen", "shard-5"), 60_000L, 4096),
                List.of("outcome:" + commandId("mark-unhealthy")));
        final List<Evidence> reopenEvidence = List.of(
                new Evidence("exit-code", "pods/rag-prod/" + POD + "/vectorstore", "3", false),
                new Evidence("output", "pods/rag-prod/" + POD + "/vectorstore",
                        "reopening shard-5\nERROR checksum mismatch in segment _4f.cfs: expected 0x9a1c, found 0x0000\n"
                                + "reopen aborted, index left closed", false));
        finish("reopen", "2026-11-30T09:14:00.530Z", "2026-11-30T09:14:31.204Z", OutcomeStatus.FAILED, "non-zero-exit",
                "ctl index reopen shard-5 exited with code 3 in " + POD, reopenEvidence);
        evidence.addAll(reopenEvidence);
        evidence.add(new Evidence("outcome", commandId("reopen"), "FAILED (non-zero-exit): ctl index reopen shard-5"
                + " exited with code 3 in " + POD, false));

        issue("restore", Instant.parse("2026-11-30T09:14:31.204Z"), Duration.ofMinutes(10), restore(),
                List.of("outcome:" + commandId("reopen")));
        final Evidence snapshot = new Evidence("snapshot-choice",
                "s3://rag-prod-vectorstore-snapshots/snapshots/shard-5/",
                "chose 2026-11-29T01-00: manifest present, 2 of 2 parts with the listed sizes\n"
                        + "skipped 2026-11-30T01-00: no manifest.json, 3 parts uploaded", false);
        finish("restore", "2026-11-30T09:14:31.350Z", "2026-11-30T09:16:02.877Z", OutcomeStatus.SUCCEEDED, "ok",
                "restored s3://rag-prod-vectorstore-snapshots/snapshots/shard-5/2026-11-29T01-00/ into"
                        + " vectorstore-shard-5-index-r7f3a2c1 and " + POD + " is Ready", List.of(snapshot));
        evidence.add(snapshot);

        issue("validate", Instant.parse("2026-11-30T09:16:02.877Z"), Duration.ofMinutes(2), validate(),
                List.of("outcome:" + commandId("restore")));
        finish("validate", "2026-11-30T09:16:03.010Z", "2026-11-30T09:16:05.662Z", OutcomeStatus.SUCCEEDED, "ok",
                "2 of 2 golden queries passed on shard-5 (top 5, min score 0.5)", List.of());

        issue("reintroduce", Instant.parse("2026-11-30T09:16:05.662Z"), Duration.ofMinutes(1),
                new ReintroduceShard(NAMESPACE, REGISTRY, "shard-5"), List.of("outcome:" + commandId("validate")));
        finish("reintroduce", "2026-11-30T09:16:05.790Z", "2026-11-30T09:16:05.981Z", OutcomeStatus.SUCCEEDED, "ok",
                "set shard-5 to healthy in configmaps/rag-prod/rag-shard-registry", List.of());

        issue("reindex", Instant.parse("2026-11-30T09:16:05.981Z"), Duration.ofMinutes(30),
                new ReindexMissingDocuments(NAMESPACE, "shard-5", Instant.parse("2026-11-29T01:07:30Z").toEpochMilli(),
                        job("reindex-shard-5", List.of("indexer", "reindex", "--shard", "shard-5"))),
                List.of("outcome:" + commandId("reintroduce")));
        finish("reindex", "2026-11-30T09:16:06.100Z", "2026-11-30T09:17:12.440Z", OutcomeStatus.SUCCEEDED, "ok",
                "Job reindex-shard-5-a41c completed: 1842 documents re-added since 2026-11-29T01:07:30Z", List.of());

        final Instant closed = Instant.parse("2026-11-30T09:17:12.440Z");
        update(closed, IncidentState.RECOVERED, "recovered: shard-5 reintroduced after restore; missing documents"
                + " reindexed", IncidentSummary.newBuilder()
                .setClosedBy("reactor")
                .setClosedAt(closed)
                .setTimeToDetectMs(Duration.between(FIRST, DETECTED).toMillis())
                .setTimeToMitigateMs(Duration.between(FIRST, Instant.parse("2026-11-30T09:14:00.412Z")).toMillis())
                .setTimeToRecoverMs(Duration.between(FIRST, Instant.parse("2026-11-30T09:16:05.981Z")).toMillis())
                .setFoldedSymptoms(1)
                .setEvidence(new ArrayList<>(evidence))
                .build());

        // After the range: shard-4 again, which the replay must not see.
        health.add(golden("hev-0900", "2026-11-30T10:00:00.000Z", "rag-prod/vectorstore/shard-4", "gq-003",
                List.of(doc("doc-pol-0107", 0.90))));
    }

    static String commandId(final String step) {
        return INCIDENT + "-" + step + "-1";
    }

    private void issue(final String step, final Instant at, final Duration deadline, final Object action,
                       final List<String> causes) {
        commands.add(RecoveryCommand.newBuilder()
                .setCommandId(commandId(step))
                .setIncidentId(INCIDENT)
                .setStep(step)
                .setAttempt(1)
                .setTarget(TARGET)
                .setIssuedAt(at)
                .setDeadline(at.plus(deadline))
                .setRunbookVersion("2026-11-28.1")
                .setCauseEventIds(causes)
                .setAction(action)
                .build());
        steps.add(new StepRecord(step, 1, commandId(step), at, null, null, null));
        update(at, IncidentState.OPEN, "issued " + step + " attempt 1", null);
    }

    private void finish(final String step, final String startedAt, final String finishedAt, final OutcomeStatus status,
                        final String reason, final String detail, final List<Evidence> outcomeEvidence) {
        final Instant finished = Instant.parse(finishedAt);
        outcomes.add(RecoveryOutcome.newBuilder()
                .setCommandId(commandId(step))
                .setIncidentId(INCIDENT)
                .setTarget(TARGET)
                .setStep(step)
                .setAttempt(1)
                .setStatus(status)
                .setReason(reason)
                .setStartedAt(Instant.parse(startedAt))
                .setFinishedAt(finished)
                .setDetail(detail)
                .setCalls(List.of())
                .setEvidence(outcomeEvidence)
                .setActuator("actuator-0")
                .build());
        final StepRecord record = steps.get(steps.size() - 1);
        record.setStatus(status.name());
        record.setFinishedAt(finished);
        record.setDetail(detail);
        update(finished, IncidentState.OPEN, step + " attempt 1 " + status.name().toLowerCase(Locale.ROOT) + ": "
                + detail, null);
    }

    private void update(final Instant at, final IncidentState state, final String change,
                        final IncidentSummary summary) {
        final List<StepRecord> copy = new ArrayList<>();
        steps.forEach(step -> copy.add(StepRecord.newBuilder(step).build()));
        final StepRecord last = copy.isEmpty() ? null : copy.get(copy.size() - 1);
        updates.add(IncidentUpdate.newBuilder()
                .setIncidentId(INCIDENT)
                .setTarget(TARGET)
                .setScenario(Scenario.SHARD_DOWN)
                .setState(state)
                .setStep(last == null ? "" : last.getStep())
                .setAttempt(last == null ? 0 : last.getAttempt())
                .setFirstSymptomAt(FIRST)
                .setDetectedAt(DETECTED)
                .setUpdatedAt(at)
                .setChange(change)
                .setSymptomEventIds(List.of("hev-0101", "hev-0102", "hev-0103"))
                .setSteps(copy)
                .setInputTopic("rag.health")
                .setInputPartition(2)
                .setInputOffset(updates.size())
                .setSummary(summary)
                .build());
    }

    private static RestoreSnapshot restore() {
        return RestoreSnapshot.newBuilder()
                .setNamespace(NAMESPACE)
                .setShard("shard-5")
                .setBucket("rag-prod-vectorstore-snapshots")
                .setPrefix("snapshots/shard-5/")
                .setWorkload(new WorkloadRef("StatefulSet", "vectorstore-shard-5"))
                .setVolumeName("index")
                .setPvcNamePrefix("vectorstore-shard-5-index-")
                .setStorageSize("20Gi")
                .setStorageClassName(null)
                .setJob(job("restore-shard-5", List.of("restore", "--into", "/index")))
                .setMountPath("/index")
                .setPodSelector(Map.of("app", "vectorstore", "shard", "shard-5"))
                .setReadyTimeoutMs(600_000L)
                .build();
    }

    private static ValidateGoldenQueries validate() {
        return ValidateGoldenQueries.newBuilder()
                .setRetrieverUrl("http://retriever.rag-prod.svc:8080")
                .setShard("shard-5")
                .setTopK(5)
                .setMinScore(0.5)
                .setQueries(List.of(
                        new GoldenQuery("gq-005", "How do I reset error E1042?", List.of("doc-err-1042")),
                        new GoldenQuery("gq-007", "What is the refund window?", List.of("doc-pol-0107"))))
                .setRequestTimeoutMs(5_000L)
                .build();
    }

    private static JobSpec job(final String prefix, final List<String> command) {
        return JobSpec.newBuilder().setNamePrefix(prefix).setImage("registry.example/rag/tools:1.8.2")
                .setCommand(command).setActiveDeadlineSeconds(1_800L).build();
    }

    private static HealthEvent golden(final String id, final String at, final String target, final String qid,
                                      final List<RetrievedDocument> retrieved) {
        return HealthEvent.newBuilder().setEventId(id).setObservedAt(Instant.parse(at)).setTarget(target)
                .setSource("golden-query-prober")
                .setPayload(new GoldenQueryResult(qid, retrieved, retrieved.isEmpty() ? 12L : 40L))
                .build();
    }

    private static RetrievedDocument doc(final String id, final double score) {
        return new RetrievedDocument(id, score);
    }
}
