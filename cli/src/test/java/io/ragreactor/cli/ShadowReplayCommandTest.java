package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.ingress.ProbeLineParser;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.topics.Topics;
import io.ragreactor.shadow.Recording;
import io.ragreactor.shadow.ShadowReplay;
import io.ragreactor.shadow.ShadowResult;
import io.ragreactor.shadow.TimedRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code rag-reactor shadow-replay} on the shard-down sample recorded with the shipped runbook on a real
 * broker. The recording comes from the replay itself. It runs the health events, and each command it issues gets
 * an outcome two seconds later: reopen fails and every other step succeeds. It runs again until it issues no
 * command without an outcome, and its commands are then what the reactor would have recorded live.
 */
class ShadowReplayCommandTest {

    private static final Runbook SHIPPED = RunbookLoader.loadDefault(Map.of());
    private static final String SAMPLE = "/io/ragreactor/cli/golden-query-results.jsonl";
    private static final List<String> LADDER = List.of("mark-unhealthy", "reopen", "restore", "validate",
            "reintroduce", "reindex");

    private static CliCluster cluster;
    private static Recording recording;
    private static String from;
    private static String to;

    @BeforeAll
    static void startCluster() {
        // Two hours ago, well inside the broker's retention, whatever the sample's own dates are.
        final List<HealthEvent> events = shifted(sample(), Instant.now().minus(Duration.ofHours(2))
                .truncatedTo(ChronoUnit.SECONDS));
        recording = record(events);
        cluster = CliCluster.start();
        send(recording);
        final Instant first = events.get(0).getObservedAt();
        from = first.minus(Duration.ofMinutes(1)).toString();
        to = recording.end().plus(Duration.ofMinutes(1)).toString();
        // A command tombstone inside the range, which the command drops and counts.
        cluster.send(cluster.topics().commands().name(), cluster.topics().commands().valueSerde().serializer(),
                "rag-prod/vectorstore/shard-5", null, first.plusSeconds(1).toEpochMilli());
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void recordingHoldsShardLadder() {
        assertThat(recording.commands()).extracting(command -> command.value().getStep())
                .containsExactlyElementsOf(LADDER);
        assertThat(recording.outcomes()).hasSize(LADDER.size());
    }

    @Test
    void sameRunbookExitsZero() {
        final CliCluster.Run run = cluster.run("shadow-replay", "--from", from, "--to", to);

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains(recording.health().size() + " health events, 0 control records, "
                + LADDER.size() + " outcomes and " + LADDER.size() + " commands recorded; dropped 0 outcome and 1"
                + " command tombstones.");
        assertThat(run.out()).contains("No differences in 6 recorded and 6 shadow commands.");
        assertThat(run.out()).contains("fed back 6 recorded outcomes");
        assertThat(run.out()).doesNotContain("only recorded", "only in shadow", "changed ");
    }

    @Test
    void runbookFileExitsZero(@TempDir final Path folder) throws IOException {
        // The runbook names its golden query set by a path relative to itself, so both files are copied.
        final Path runbook = copyResource(RunbookLoader.DEFAULT_RESOURCE, folder.resolve("runbook.yaml"));
        copyResource("/io/ragreactor/runbook/golden-queries.json", folder.resolve("golden-queries.json"));

        final CliCluster.Run run = cluster.run("shadow-replay", "--from", from, "--to", to, "--runbook",
                runbook.toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains(" from " + runbook + " between ");
    }

    @Test
    void unreachedThresholdExitsFour() {
        // Shard-5 shows six symptoms in the sample, so a threshold of seven never opens its incident.
        final CliCluster.Run run = cluster.run("shadow-replay", "--from", from, "--to", to, "--set",
                "shardDown.detection.threshold=7");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ShadowReplayCommand.DIFFERENCES_EXIT_CODE);
        final List<String> differences = run.out().lines().filter(line -> line.contains("  only recorded  ")).toList();
        assertThat(differences).hasSize(LADDER.size());
        for (int i = 0; i < LADDER.size(); i++) {
            final RecoveryCommand command = recording.commands().get(i).value();
            assertThat(differences.get(i)).isEqualTo(command.getIssuedAt() + "  only recorded   "
                    + command.getTarget() + "  " + command.getCommandId() + ": "
                    + command.getAction().getClass().getSimpleName());
        }
        assertThat(run.out()).contains("6 differences in 6 recorded and 0 shadow commands: 6 only recorded,"
                + " 0 only in shadow, 0 changed.");
    }

    @Test
    void printsDifferencesAsJson() throws IOException {
        final CliCluster.Run run = cluster.run("shadow-replay", "--from", from, "--to", to, "--set",
                "shardDown.detection.threshold=7", "--json");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ShadowReplayCommand.DIFFERENCES_EXIT_CODE);
        assertThat(run.out().lines()).hasSize(1);
        final JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.path("recorded").path("commands").asInt()).isEqualTo(LADDER.size());
        assertThat(json.path("recorded").path("droppedCommandTombstones").asInt()).isEqualTo(1);
        assertThat(json.path("shadowCommands").asInt()).isZero();
        final List<String> kinds = new ArrayList<>();
        final List<String> recordedIds = new ArrayList<>();
        json.path("differences").forEach(difference -> {
            kinds.add(difference.path("kind").asText());
            recordedIds.add(difference.path("recorded").path("commandId").asText());
            assertThat(difference.path("shadow").isNull()).isTrue();
        });
        assertThat(kinds).containsOnly("ONLY_RECORDED");
        assertThat(recordedIds).containsExactlyElementsOf(recording.commands().stream()
                .map(command -> command.value().getCommandId()).toList());
    }

    @Test
    void emptyRangeExitsZero() {
        final CliCluster.Run run = cluster.run("shadow-replay", "--from", "2026-01-01T00:00:00Z", "--to",
                "2026-01-01T01:00:00Z");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("No records between 2026-01-01T00:00:00Z and 2026-01-01T01:00:00Z, so there"
                + " is nothing to compare.\n");
    }

    @Test
    void unknownSetKeyIsUsageError() {
        final CliCluster.Run run = cluster.run("shadow-replay", "--set", "shardDown.detection.thresold=7");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid --set: invalid runbook ");
    }

    @Test
    void helpNamesExitCodeFour() {
        final CliCluster.Run run = cluster.run("shadow-replay", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("no state from before --from");
        assertThat(run.out()).containsPattern("\\n\\s+4\\s+The replay's commands differ from the recorded ones\\.");
    }

    private static Path copyResource(final String resource, final Path file) throws IOException {
        try (InputStream in = RunbookLoader.class.getResourceAsStream(resource)) {
            assertThat(in).as("resource " + resource).isNotNull();
            Files.copy(in, file);
        }
        return file;
    }

    private static List<HealthEvent> sample() {
        try (InputStream in = ShadowReplayCommandTest.class.getResourceAsStream(SAMPLE)) {
            assertThat(in).as("resource " + SAMPLE).isNotNull();
            final ProbeLineParser parser = new ProbeLineParser(SHIPPED);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank())
                    .map(parser::parse)
                    .filter(ParsedLine.Event.class::isInstance)
                    .map(line -> ((ParsedLine.Event) line).event())
                    .toList();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Moves the events in time so that the first one is at {@code start}, keeping the gaps between them. */
    private static List<HealthEvent> shifted(final List<HealthEvent> events, final Instant start) {
        final Duration shift = Duration.between(events.get(0).getObservedAt(), start);
        return events.stream()
                .map(event -> HealthEvent.newBuilder(event).setObservedAt(event.getObservedAt().plus(shift)).build())
                .toList();
    }

    /**
     * Replays {@code events} with the shipped runbook until every command it issues has an outcome and every
     * outcome reports on one of its commands, and returns the events, those outcomes and those commands.
     */
    private static Recording record(final List<HealthEvent> events) {
        final List<TimedRecord<HealthEvent>> health = events.stream()
                .map(event -> TimedRecord.of(event.getTarget(), event, event.getObservedAt()))
                .toList();
        Map<String, TimedRecord<RecoveryOutcome>> outcomes = new LinkedHashMap<>();
        for (int round = 0; round < 20; round++) {
            final ShadowResult result = ShadowReplay.of(SHIPPED)
                    .replay(new Recording(health, List.of(), List.copyOf(outcomes.values()), List.of()));
            final Map<String, TimedRecord<RecoveryOutcome>> answered = new LinkedHashMap<>();
            boolean complete = true;
            for (final RecoveryCommand command : result.commands()) {
                TimedRecord<RecoveryOutcome> outcome = outcomes.get(command.getCommandId());
                if (outcome == null) {
                    complete = false;
                    final RecoveryOutcome value = outcome(command);
                    outcome = TimedRecord.of(command.getTarget(), value, value.getFinishedAt());
                }
                answered.put(command.getCommandId(), outcome);
            }
            if (complete && answered.size() == outcomes.size()) {
                final List<TimedRecord<RecoveryCommand>> commands = result.commands().stream()
                        .map(command -> TimedRecord.of(command.getTarget(), command, command.getIssuedAt()))
                        .toList();
                return new Recording(health, List.of(), List.copyOf(answered.values()), commands);
            }
            outcomes = answered;
        }
        throw new IllegalStateException("the shadow replay kept issuing new commands after 20 rounds");
    }

    /** Returns the actuator's outcome of {@code command}, two seconds after its issue: reopen fails, others succeed. */
    private static RecoveryOutcome outcome(final RecoveryCommand command) {
        final boolean failed = command.getStep().equals("reopen");
        return RecoveryOutcome.newBuilder()
                .setCommandId(command.getCommandId())
                .setIncidentId(command.getIncidentId())
                .setTarget(command.getTarget())
                .setStep(command.getStep())
                .setAttempt(command.getAttempt())
                .setStatus(failed ? OutcomeStatus.FAILED : OutcomeStatus.SUCCEEDED)
                .setReason(failed ? "non-zero-exit" : "ok")
                .setStartedAt(command.getIssuedAt())
                .setFinishedAt(command.getIssuedAt().plus(Duration.ofSeconds(2)))
                .setDetail(command.getStep() + (failed ? " exited with status 1" : " done"))
                .setCalls(List.of())
                .setEvidence(List.of())
                .setActuator("actuator-test")
                .build();
    }

    private static void send(final Recording recorded) {
        final Topics topics = cluster.topics();
        for (final TimedRecord<HealthEvent> record : recorded.health()) {
            cluster.send(topics.health().name(), topics.health().valueSerde().serializer(), record.key(),
                    record.value(), record.timestamp().toEpochMilli());
        }
        for (final TimedRecord<RecoveryOutcome> record : recorded.outcomes()) {
            cluster.send(topics.outcomes().name(), topics.outcomes().valueSerde().serializer(), record.key(),
                    record.value(), record.timestamp().toEpochMilli());
        }
        for (final TimedRecord<RecoveryCommand> record : recorded.commands()) {
            cluster.send(topics.commands().name(), topics.commands().valueSerde().serializer(), record.key(),
                    record.value(), record.timestamp().toEpochMilli());
        }
    }
}
