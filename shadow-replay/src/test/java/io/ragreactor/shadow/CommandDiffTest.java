package io.ragreactor.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReintroduceShard;
import io.ragreactor.schemas.common.Evidence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The comparison of command lists and its text rendering, on commands built here. */
class CommandDiffTest {

    private static final Instant T0 = Instant.parse("2026-11-30T09:14:00.012Z");
    private static final String TARGET = "rag-prod/vectorstore/shard-5";

    private static RecoveryCommand command(final String step, final Instant issuedAt, final Object action) {
        return RecoveryCommand.newBuilder()
                .setCommandId("inc-1-" + step + "-1")
                .setIncidentId("inc-1")
                .setStep(step)
                .setAttempt(1)
                .setTarget(TARGET)
                .setIssuedAt(issuedAt)
                .setDeadline(issuedAt.plusSeconds(30))
                .setDryRun(false)
                .setRunbookVersion("v1")
                .setCauseEventIds(new ArrayList<>(List.of("event-1")))
                .setAction(action)
                .build();
    }

    private static RecoveryCommand mark(final Instant issuedAt) {
        return command("mark-unhealthy", issuedAt, new MarkShardUnhealthy("rag-prod", "rag-shard-registry", "shard-5"));
    }

    private static Escalate escalation(final String evidenceText) {
        return new Escalate("oncall-rag", "page", "reopen failed",
                new ArrayList<>(List.of(new Evidence("log", "pods/rag-prod/vectorstore-shard-5-0", evidenceText, false))),
                null, null);
    }

    @Test
    void equalListsHaveNoDifferences() {
        final CommandDiff diff = CommandDiff.compare(List.of(mark(T0)), List.of(mark(T0)));

        assertThat(diff.isEmpty()).isTrue();
        assertThat(diff.summary()).isEqualTo("no differences in 1 recorded and 1 shadow commands");
    }

    @Test
    void versionAndCausesAreNotCompared() {
        final RecoveryCommand shadow = RecoveryCommand.newBuilder(mark(T0)).setRunbookVersion("v2")
                .setCauseEventIds(new ArrayList<>(List.of("event-2"))).build();

        assertThat(CommandDiff.compare(List.of(mark(T0)), List.of(shadow)).isEmpty()).isTrue();
    }

    @Test
    void differencesComeInTimeOrder() {
        final RecoveryCommand recordedOnly = command("reintroduce", T0.plusSeconds(60),
                new ReintroduceShard("rag-prod", "rag-shard-registry", "shard-5"));
        final RecoveryCommand shadowOnly = command("restore-later", T0.plusSeconds(10),
                new ReintroduceShard("rag-prod", "rag-shard-registry", "shard-5"));

        final CommandDiff diff = CommandDiff.compare(List.of(recordedOnly, mark(T0.plusSeconds(20))),
                List.of(shadowOnly, mark(T0.plusSeconds(5))));

        assertThat(diff.differences()).extracting(CommandDiff.Difference::kind).containsExactly(
                CommandDiff.Kind.CHANGED, CommandDiff.Kind.ONLY_SHADOW, CommandDiff.Kind.ONLY_RECORDED);
        assertThat(diff.differences().get(0).at()).isEqualTo(T0.plusSeconds(5));
        assertThat(diff.summary()).isEqualTo(
                "3 differences in 2 recorded and 2 shadow commands: 1 only recorded, 1 only in shadow, 1 changed");
        assertThat(diff.render()).containsExactly(
                "2026-11-30T09:14:05.012Z  changed         " + TARGET + "  inc-1-mark-unhealthy-1: issued "
                        + "2026-11-30T09:14:20.012Z -> 2026-11-30T09:14:05.012Z (15s earlier)",
                "2026-11-30T09:14:10.012Z  only in shadow  " + TARGET + "  inc-1-restore-later-1: ReintroduceShard",
                "2026-11-30T09:15:00.012Z  only recorded   " + TARGET + "  inc-1-reintroduce-1: ReintroduceShard");
    }

    @Test
    void changedFieldsAreNamed() {
        final RecoveryCommand recorded = mark(T0);
        final RecoveryCommand shadow = RecoveryCommand.newBuilder(command("mark-unhealthy", T0,
                        new MarkShardUnhealthy("rag-prod", "rag-shard-registry-v2", "shard-5")))
                .setDeadline(T0.plus(Duration.ofMinutes(2)))
                .setDryRun(true)
                .build();

        final CommandDiff diff = CommandDiff.compare(List.of(recorded), List.of(shadow));

        assertThat(diff.differences()).singleElement().extracting(CommandDiff.Difference::changes)
                .isEqualTo(List.of("deadline 30s -> 2m after issue", "dryRun false -> true",
                        "action.configMap rag-shard-registry -> rag-shard-registry-v2"));
    }

    @Test
    void otherActionTypeIsNamed() {
        final RecoveryCommand shadow = command("mark-unhealthy", T0,
                new ReintroduceShard("rag-prod", "rag-shard-registry", "shard-5"));

        final CommandDiff diff = CommandDiff.compare(List.of(mark(T0)), List.of(shadow));

        assertThat(diff.differences().get(0).changes()).containsExactly("action MarkShardUnhealthy -> ReintroduceShard");
    }

    @Test
    void longTextShowsItsDifference() {
        final String common = "x".repeat(300);
        final RecoveryCommand recorded = command("escalate", T0, escalation(common + " symptom event-1 and more"));
        final RecoveryCommand shadow = command("escalate", T0, escalation(common + " symptom event-2 and more"));

        final CommandDiff diff = CommandDiff.compare(List.of(recorded), List.of(shadow));

        final String change = diff.differences().get(0).changes().get(0);
        assertThat(change).startsWith("action.evidence[0].text ...x");
        assertThat(change).contains(" symptom event-1 and more -> ...x").endsWith(" symptom event-2 and more");
    }

    @Test
    void repeatedIdComparesFirst() {
        final CommandDiff diff = CommandDiff.compare(List.of(mark(T0), mark(T0.plusSeconds(1))), List.of(mark(T0)));

        assertThat(diff.isEmpty()).isTrue();
        assertThat(diff.summary()).isEqualTo("no differences in 1 recorded and 1 shadow commands");
    }
}
