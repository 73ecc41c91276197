package io.ragreactor.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.Silence;
import io.ragreactor.schemas.control.TargetMatcher;
import io.ragreactor.schemas.health.HealthEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Shadow replays of recordings made with the shipped runbook: the same runbook issues exactly the recorded
 * commands, and a changed rule moves, drops or changes exactly the commands it affects.
 */
class ShadowReplayTest {

    private static final Runbook SHIPPED = RunbookLoader.loadDefault(Map.of());
    private static final List<HealthEvent> SHARD_DOWN = Samples.shardDown(SHIPPED);
    private static final String SHARD_5 = "rag-prod/vectorstore/shard-5";
    private static final String INCIDENT = "inc-0025f47a805e22ce";
    private static final List<String> LADDER = List.of("mark-unhealthy", "reopen", "restore", "validate",
            "reintroduce", "reindex");

    /** The shard-down sample played live with the shipped runbook. Its ladder ends well before the last event. */
    private static final Recording SHARD_DOWN_RECORDING = LiveRecorder.record(SHIPPED, SHARD_DOWN,
            lastEventTime(SHARD_DOWN).plus(Duration.ofMinutes(2)));

    private static Instant lastEventTime(final List<HealthEvent> events) {
        return events.get(events.size() - 1).getObservedAt();
    }

    private static List<String> ladderIds() {
        return LADDER.stream().map(step -> INCIDENT + "-" + step + "-1").toList();
    }

    private static ShadowResult replay(final Map<String, String> overrides, final Recording recording) {
        return ShadowReplay.of(RunbookLoader.loadDefault(overrides)).replay(recording);
    }

    @Test
    void recordingHoldsShardLadder() {
        final List<RecoveryCommand> recorded = SHARD_DOWN_RECORDING.commandValues();

        assertThat(recorded).extracting(RecoveryCommand::getCommandId).containsExactlyElementsOf(ladderIds());
        assertThat(recorded).extracting(RecoveryCommand::getTarget).containsOnly(SHARD_5);
        assertThat(SHARD_DOWN_RECORDING.outcomes()).hasSize(LADDER.size());
    }

    @Test
    void sameRunbookHasNoDifferences() {
        final ShadowResult result = replay(Map.of(), SHARD_DOWN_RECORDING);

        assertThat(result.diff().isEmpty()).isTrue();
        assertThat(result.diff().summary()).isEqualTo("no differences in 6 recorded and 6 shadow commands");
        assertThat(result.diff().render()).isEmpty();
        // Equal as whole records: causes and runbook version too, which the diff does not compare.
        assertThat(result.commands()).containsExactlyElementsOf(SHARD_DOWN_RECORDING.commandValues());
        assertThat(result.outcomesFed()).isEqualTo(6);
        assertThat(result.unusedOutcomeCommandIds()).isEmpty();
        assertThat(result.unansweredCommandIds()).isEmpty();
        assertThat(result.inputsReplayed()).isEqualTo(SHARD_DOWN.size());
        assertThat(result.deadLettered()).isZero();
    }

    @Test
    void raisedThresholdMovesLadder() {
        // With 5 symptoms needed, the checksum error logged at 09:14:31.770 is shard-5's fifth symptom. The
        // first symptom stays the same, and so do the incident id and every command id: the whole ladder moves.
        final Instant detected = Instant.parse("2026-11-30T09:14:31.770Z");
        final Duration shift = Duration.between(Instant.parse("2026-11-30T09:14:00.012Z"), detected);

        final ShadowResult result = replay(Map.of("shardDown.detection.threshold", "5"), SHARD_DOWN_RECORDING);

        final CommandDiff diff = result.diff();
        assertThat(diff.differences()).extracting(CommandDiff.Difference::commandId)
                .containsExactlyElementsOf(ladderIds());
        assertThat(diff.differences()).extracting(CommandDiff.Difference::kind).containsOnly(CommandDiff.Kind.CHANGED);
        for (final CommandDiff.Difference difference : diff.differences()) {
            final Instant recordedAt = difference.recorded().getIssuedAt();
            assertThat(difference.shadow().getIssuedAt()).isEqualTo(recordedAt.plus(shift));
            assertThat(difference.changes()).containsExactly("issued " + recordedAt + " -> " + recordedAt.plus(shift)
                    + " (31.758s later)");
        }
        assertThat(diff.summary())
                .isEqualTo("6 differences in 6 recorded and 6 shadow commands: 0 only recorded, 0 only in shadow, 6 changed");
        assertThat(result.commands().get(0).getIssuedAt()).isEqualTo(detected);
        // Every recorded outcome followed its moved command, so no deadline passed.
        assertThat(result.outcomesFed()).isEqualTo(6);
        assertThat(result.unansweredCommandIds()).isEmpty();
    }

    @Test
    void unreachedThresholdDropsLadder() {
        // Shard-5 shows six symptoms in all, so a threshold of seven never opens an incident.
        final ShadowResult result = replay(Map.of("shardDown.detection.threshold", "7"), SHARD_DOWN_RECORDING);

        assertThat(result.commands()).isEmpty();
        assertThat(result.diff().differences()).extracting(CommandDiff.Difference::commandId)
                .containsExactlyElementsOf(ladderIds());
        assertThat(result.diff().count(CommandDiff.Kind.ONLY_RECORDED)).isEqualTo(6);
        assertThat(result.diff().render().get(0)).isEqualTo("2026-11-30T09:14:00.012Z  only recorded   " + SHARD_5
                + "  " + INCIDENT + "-mark-unhealthy-1: MarkShardUnhealthy");
        assertThat(result.outcomesFed()).isZero();
        assertThat(result.unusedOutcomeCommandIds()).containsExactlyElementsOf(ladderIds());
    }

    @Test
    void longerReopenDeadlineChangesReopen() {
        final ShadowResult result = replay(Map.of("shardDown.steps.reopen.deadline", "90s"), SHARD_DOWN_RECORDING);

        assertThat(result.diff().differences()).hasSize(1);
        final CommandDiff.Difference reopen = result.diff().differences().get(0);
        assertThat(reopen.kind()).isEqualTo(CommandDiff.Kind.CHANGED);
        assertThat(reopen.commandId()).isEqualTo(INCIDENT + "-reopen-1");
        // The exec timeout is derived from the step's deadline, so it changes with it.
        assertThat(reopen.changes()).containsExactly("deadline 1m -> 1m 30s after issue",
                "action.timeoutMs 48000 -> 72000");
        assertThat(result.diff().render()).containsExactly("2026-11-30T09:14:02.012Z  changed         " + SHARD_5
                + "  " + INCIDENT + "-reopen-1: deadline 1m -> 1m 30s after issue; action.timeoutMs 48000 -> 72000");
    }

    @Test
    void commandWithoutOutcomeTimesOut() {
        // The same health events with no outcomes and no commands, and one late event that keeps the replay
        // running for ten more minutes.
        final List<TimedRecord<HealthEvent>> health = new ArrayList<>(SHARD_DOWN_RECORDING.health());
        final HealthEvent last = SHARD_DOWN.get(SHARD_DOWN.size() - 1);
        final HealthEvent late = HealthEvent.newBuilder(last).setEventId("late-shard-4-probe")
                .setObservedAt(last.getObservedAt().plus(Duration.ofMinutes(10))).build();
        health.add(TimedRecord.of(late.getTarget(), late, late.getObservedAt()));

        final ShadowResult result = replay(Map.of(), new Recording(health, List.of(), List.of(), List.of()));

        // Mark-unhealthy has three attempts of 30 s each. Then the escalation gets two minutes and a second try.
        assertThat(result.commands()).extracting(RecoveryCommand::getCommandId).containsExactly(
                INCIDENT + "-mark-unhealthy-1", INCIDENT + "-mark-unhealthy-2", INCIDENT + "-mark-unhealthy-3",
                INCIDENT + "-escalate-1", INCIDENT + "-escalate-2");
        assertThat(result.commands()).extracting(command -> command.getIssuedAt().toString()).containsExactly(
                "2026-11-30T09:14:00.012Z", "2026-11-30T09:14:30.012Z", "2026-11-30T09:15:00.012Z",
                "2026-11-30T09:15:30.012Z", "2026-11-30T09:17:30.012Z");
        assertThat(result.unansweredCommandIds()).hasSize(5);
        assertThat(result.diff().count(CommandDiff.Kind.ONLY_SHADOW)).isEqualTo(5);
    }

    @Test
    void silenceGoesBeforeEqualTimedEvent() {
        // A silence of shard-5 recorded at the time of its third symptom: control records go first at equal
        // timestamps, so the third symptom already falls under it and no incident opens.
        final Instant third = Instant.parse("2026-11-30T09:14:00.012Z");
        final ControlRecord silence = new ControlRecord("operator@example.internal", third, "planned reindex",
                new Silence(new TargetMatcher("rag-prod", "vectorstore", "shard-5"), third, third.plus(Duration.ofHours(1))));
        final Recording recording = new Recording(SHARD_DOWN_RECORDING.health(),
                List.of(TimedRecord.of("silence/shard-5-reindex", silence, third)), SHARD_DOWN_RECORDING.outcomes(),
                SHARD_DOWN_RECORDING.commands());

        final ShadowResult result = replay(Map.of(), recording);

        assertThat(result.commands()).isEmpty();
        assertThat(result.diff().count(CommandDiff.Kind.ONLY_RECORDED)).isEqualTo(6);
        assertThat(result.inputsReplayed()).isEqualTo(SHARD_DOWN.size() + 1);
    }

    @Test
    void providerRecordingHasNoDifferences() {
        final List<HealthEvent> events = Samples.providerOutage(SHIPPED);
        final Recording recording = LiveRecorder.record(SHIPPED, events, lastEventTime(events).plus(Duration.ofMinutes(5)));

        final ShadowResult result = replay(Map.of(), recording);

        assertThat(recording.commands()).extracting(command -> command.value().getStep())
                .containsExactly("switch-provider", "ramp-10", "escalate", "escalate");
        assertThat(result.diff().isEmpty()).isTrue();
        assertThat(result.commands()).containsExactlyElementsOf(recording.commandValues());
    }

    @Test
    void raisedProviderThresholdMovesFailover() {
        final List<HealthEvent> events = Samples.providerOutage(SHIPPED);
        final Recording recording = LiveRecorder.record(SHIPPED, events, lastEventTime(events).plus(Duration.ofMinutes(5)));

        // The sixth 5xx response, at 09:15:14.660, now opens the outage. The ramp waits for ten quiet minutes
        // after the last symptom, which stays the same. So only the failover moves, and the escalation that
        // ends the ramp lists other symptoms in its evidence.
        final ShadowResult result = replay(Map.of("providerOutage.detection.threshold", "6"), recording);

        final List<CommandDiff.Difference> differences = result.diff().differences();
        assertThat(differences).extracting(CommandDiff.Difference::commandId).containsExactly(
                "inc-b499219d7632d9fe-switch-provider-1", "inc-b499219d7632d9fe-escalate-1");
        assertThat(differences).extracting(CommandDiff.Difference::kind).containsOnly(CommandDiff.Kind.CHANGED);
        assertThat(differences.get(0).changes()).containsExactly(
                "issued 2026-11-30T09:15:12.118Z -> 2026-11-30T09:15:14.660Z (2.542s later)");
        assertThat(differences.get(1).changes()).isNotEmpty().allMatch(change -> change.startsWith("action.evidence["));
    }
}
