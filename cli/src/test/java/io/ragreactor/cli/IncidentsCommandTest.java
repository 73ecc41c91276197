package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code rag-reactor incidents} on incident updates written to a real broker. */
class IncidentsCommandTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static CliCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = CliCluster.start();
        send(TestRecords.incident("inc-open", "rag-prod/vectorstore/shard-5", IncidentState.OPEN, hoursAgo(2),
                hoursAgo(1)));
        send(TestRecords.incident("inc-escalated", "rag-prod/generator/primary-llm", IncidentState.OPEN,
                NOW.minus(Duration.ofMinutes(30)), NOW.minus(Duration.ofMinutes(29))));
        send(TestRecords.incident("inc-escalated", "rag-prod/generator/primary-llm", IncidentState.ESCALATED,
                NOW.minus(Duration.ofMinutes(30)), NOW.minus(Duration.ofMinutes(20))));
        send(TestRecords.incident("inc-recent", "rag-prod/vectorstore/shard-4", IncidentState.RECOVERED, hoursAgo(3),
                hoursAgo(1)));
        send(TestRecords.incident("inc-old", "rag-prod/vectorstore/shard-3", IncidentState.RECOVERED, hoursAgo(80),
                hoursAgo(72)));
        send(TestRecords.incident("inc-deleted", "rag-prod/vectorstore/shard-2", IncidentState.OPEN, hoursAgo(5),
                hoursAgo(5)));
        cluster.send(cluster.topics().incidents().name(), cluster.topics().incidents().valueSerde().serializer(),
                "inc-deleted", null, NOW.toEpochMilli());
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void listsOpenThenRecentlyClosed() {
        final CliCluster.Run run = cluster.run("incidents");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("ID").contains("TARGET", "SCENARIO", "STATE", "STEP", "AGE");
        assertThat(lines.get(1)).contains("inc-open", "rag-prod/vectorstore/shard-5", "shard-down", "OPEN",
                "restore #2", "2h 0m");
        assertThat(lines.get(2)).contains("inc-escalated", "ESCALATED", "30m");
        assertThat(lines.get(3)).contains("inc-recent", "RECOVERED");
    }

    @Test
    void sinceWidensClosedWindow() {
        final CliCluster.Run run = cluster.run("incidents", "--since", "7d");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("inc-old", "inc-recent");
        assertThat(run.out()).doesNotContain("inc-deleted");
    }

    @Test
    void printsLatestUpdatesAsJson() throws Exception {
        final CliCluster.Run run = cluster.run("incidents", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final ObjectMapper mapper = new ObjectMapper();
        final List<JsonNode> objects = new ArrayList<>();
        for (final String line : run.out().lines().toList()) {
            objects.add(mapper.readTree(line));
        }
        assertThat(objects).extracting(json -> json.path("incidentId").asText())
                .containsExactly("inc-open", "inc-escalated", "inc-recent");
        final JsonNode escalated = objects.get(1);
        assertThat(escalated.path("state").asText()).isEqualTo("ESCALATED");
        assertThat(escalated.path("target").asText()).isEqualTo("rag-prod/generator/primary-llm");
        assertThat(escalated.path("ageSeconds").asLong()).isBetween(1800L, 1900L);
        assertThat(objects.get(2).path("summary").path("closedAt").asText()).isEqualTo(hoursAgo(1).toString());
    }

    @Test
    void commandConfigReachesClientsUnprinted(@TempDir final Path folder) throws Exception {
        final String secret = "s3cr3t-never-printed";
        final Path config = Files.writeString(folder.resolve("client.properties"), String.join("\n",
                "security.protocol=SSL",
                "ssl.key.password=" + secret,
                "default.api.timeout.ms=3000",
                "request.timeout.ms=2000"));
        final long started = System.nanoTime();

        final CliCluster.Run run = cluster.run("incidents", "--command-config", config.toString());

        // SSL against the plaintext listener fails, within the file's timeout instead of the default 30 s.
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("rag-reactor incidents: Kafka error: ");
        assertThat(run.err()).doesNotContain(secret);
        assertThat(run.out()).doesNotContain(secret);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void missingCommandConfigIsUsageError() {
        final CliCluster.Run run = cluster.run("incidents", "--command-config", "/nonexistent/client.properties");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid --command-config: file /nonexistent/client.properties not found");
    }

    private static Instant hoursAgo(final long hours) {
        return NOW.minus(Duration.ofHours(hours));
    }

    private static void send(final IncidentUpdate update) {
        cluster.send(cluster.topics().incidents().name(), cluster.topics().incidents().valueSerde().serializer(),
                update.getIncidentId(), update, update.getUpdatedAt().toEpochMilli());
    }
}
