package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Runs {@code rag-reactor tail} against a real broker holding two outcomes and two incident updates written an
 * hour ago, in both output formats, and following a record written while it runs.
 */
class TailCommandTest {

    private static final Instant WRITTEN_AT = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    private static final String SHARD = "rag-prod/vectorstore/shard-5";
    private static final String PROVIDER = "rag-prod/generator/primary-llm";
    /** Target of the records that {@link #followsNewRecord()} writes while a tail runs. */
    private static final String FOLLOWED = "rag-prod/vectorstore/shard-7";

    private static CliCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = CliCluster.start();
        final long at = WRITTEN_AT.toEpochMilli();
        sendOutcome(TestRecords.outcome("inc-aaaa", SHARD, "mark-unhealthy", WRITTEN_AT), at);
        sendOutcome(TestRecords.outcome("inc-bbbb", PROVIDER, "switch-provider", WRITTEN_AT.plusSeconds(1)), at + 1000);
        sendIncident(TestRecords.incident("inc-aaaa", SHARD, IncidentState.OPEN, WRITTEN_AT, WRITTEN_AT), at + 2000);
        sendIncident(TestRecords.incident("inc-bbbb", PROVIDER, IncidentState.RECOVERED, WRITTEN_AT,
                WRITTEN_AT.plusSeconds(3)), at + 3000);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void printsLinesFromTime() {
        final CliCluster.Run run = cluster.run("tail", "--from", WRITTEN_AT.minusSeconds(1).toString(),
                "--timeout", "3s");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final List<String> lines = run.out().lines().filter(line -> !line.contains(FOLLOWED)).toList();
        assertThat(lines).hasSize(4);
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("outcome", SHARD,
                "mark-unhealthy #1 SUCCEEDED (ok)", "[inc-aaaa]"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("outcome", PROVIDER, "switch-provider #1"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("incident", SHARD, "inc-aaaa OPEN restore #2"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("incident", PROVIDER, "inc-bbbb RECOVERED"));
    }

    @Test
    void printsJsonWithTopic() throws Exception {
        final CliCluster.Run run = cluster.run("tail", "--json", "--from", "2h", "--timeout", "3s");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final ObjectMapper mapper = new ObjectMapper();
        final List<JsonNode> objects = new ArrayList<>();
        for (final String line : run.out().lines().toList()) {
            final JsonNode json = mapper.readTree(line);
            if (!json.path("key").asText().equals(FOLLOWED)) {
                objects.add(json);
            }
        }
        assertThat(objects).hasSize(4);
        assertThat(objects).extracting(json -> json.path("topic").asText())
                .containsOnly("rag.recovery.outcomes", "rag.incidents");
        final JsonNode outcome = objects.stream()
                .filter(json -> json.path("key").asText().equals(SHARD)).findFirst().orElseThrow();
        assertThat(outcome.path("topic").asText()).isEqualTo("rag.recovery.outcomes");
        assertThat(outcome.path("value").path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(outcome.path("value").path("finishedAt").asText()).isEqualTo(WRITTEN_AT.toString());
        assertThat(outcome.path("timestamp").asText()).isEqualTo(WRITTEN_AT.toString());
        final JsonNode closed = objects.stream()
                .filter(json -> json.path("key").asText().equals("inc-bbbb")).findFirst().orElseThrow();
        assertThat(closed.path("value").path("summary").path("closedBy").asText()).isEqualTo("reactor");
        assertThat(closed.path("value").path("scenario").asText()).isEqualTo("SHARD_DOWN");
    }

    @Test
    void stopsAfterQuietTimeout() {
        final long started = System.nanoTime();

        final CliCluster.Run run = cluster.run("tail", "--timeout", "1s");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void followsNewRecord() {
        final StringWriter out = new StringWriter();
        final CommandLine commandLine = RagReactorCli.commandLine(cluster.environment());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(new StringWriter(), true));
        final CompletableFuture<Integer> tail = CompletableFuture.supplyAsync(() -> commandLine.execute("tail",
                "--max-records", "1", "--timeout", "60s"));

        // The tail starts at the end of each partition, so keep writing until one record reaches it.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            sendOutcome(TestRecords.outcome("inc-cccc", FOLLOWED, "reopen", Instant.now()),
                    Instant.now().toEpochMilli());
            return tail.isDone();
        });

        assertThat(tail.join()).isZero();
        assertThat(out.toString().lines().toList()).singleElement().asString()
                .contains(FOLLOWED, "reopen #1 SUCCEEDED");
    }

    @Test
    void invalidFromIsUsageError() {
        final CliCluster.Run run = cluster.run("tail", "--from", "yesterday");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("expected a duration such as 500ms, 30s, 15m, 2h or 1d, got 'yesterday'");
    }

    private static void sendOutcome(final RecoveryOutcome outcome, final long timestamp) {
        cluster.send(cluster.topics().outcomes().name(), cluster.topics().outcomes().valueSerde().serializer(),
                outcome.getTarget(), outcome, timestamp);
    }

    private static void sendIncident(final IncidentUpdate update, final long timestamp) {
        cluster.send(cluster.topics().incidents().name(), cluster.topics().incidents().valueSerde().serializer(),
                update.getIncidentId(), update, timestamp);
    }
}
