package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.postmortem.IncidentTimeline;
import io.ragreactor.postmortem.PostmortemWriter;
import io.ragreactor.postmortem.TopicRangeReader;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.Scenario;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Runs {@code rag-reactor replay} on two incidents and one undecodable record written to a real broker. */
class ReplayCommandTest {

    /** Three hours ago: inside the default range of 24 hours, and well within the broker's retention. */
    private static final Instant BASE = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
    private static final RecordedIncident SHARD_5 = new RecordedIncident("inc-5c0d7e2a91b3f486", "shard-5", BASE);
    private static final RecordedIncident SHARD_4 = new RecordedIncident("inc-4a1b2c3d4e5f6071", "shard-4",
            BASE.plus(Duration.ofMinutes(10)));
    private static final String FROM = BASE.minus(Duration.ofMinutes(1)).toString();
    private static final String TO = BASE.plus(Duration.ofMinutes(30)).toString();

    private static CliCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = CliCluster.start();
        SHARD_5.sendTo(cluster);
        SHARD_4.sendTo(cluster);
        cluster.send(cluster.topics().incidents().name(), new ByteArraySerializer(), "inc-garbled",
                "not an Avro record".getBytes(StandardCharsets.UTF_8),
                BASE.plus(Duration.ofMinutes(20)).toEpochMilli());
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void writesPostmortemPerIncident(@TempDir final Path folder) throws Exception {
        final Path out = folder.resolve("postmortems");

        final CliCluster.Run run = cluster.run("replay", "--from", FROM, "--to", TO, "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().filter(line -> line.startsWith("wrote "))).containsExactly(
                "wrote " + out.resolve(SHARD_5.incidentId + ".md"),
                "wrote " + out.resolve(SHARD_5.incidentId + ".svg"),
                "wrote " + out.resolve(SHARD_4.incidentId + ".md"),
                "wrote " + out.resolve(SHARD_4.incidentId + ".svg"));
        assertThat(run.out()).contains("Wrote the postmortems of 2 of 2 incidents in the range.");
        final int records = 2 * (3 + 2 * RecordedIncident.STEPS.size() + 2 + 2 * RecordedIncident.STEPS.size());
        assertThat(run.out()).contains("Read " + records + " records between " + FROM + " and " + TO
                + "; skipped 1 that could not be decoded.");

        final List<String> markdown = Files.readAllLines(out.resolve(SHARD_5.incidentId + ".md"));
        assertThat(markdown.get(0)).isEqualTo("# Postmortem: " + SHARD_5.incidentId + " on " + SHARD_5.target);
        for (int i = 0; i < RecordedIncident.STEPS.size(); i++) {
            final String step = RecordedIncident.STEPS.get(i);
            final OutcomeStatus status = RecordedIncident.STATUSES.get(i);
            final int number = i + 1;
            assertThat(markdown).as("actions row of " + step)
                    .anyMatch(line -> line.startsWith("| " + number + " | " + step + " | 1 | ")
                            && line.contains(" | " + status.name() + " | "));
        }
        assertThat(markdown).contains("- State: RECOVERED");

        assertThat(commandBars(out.resolve(SHARD_5.incidentId + ".svg"))).containsExactlyElementsOf(
                RecordedIncident.STEPS.stream().map(step -> RecordedIncident.commandId(SHARD_5.incidentId, step))
                        .toList());
    }

    @Test
    void listsUndecodableRecord(@TempDir final Path folder) {
        final CliCluster.Run run = cluster.run("replay", "--from", FROM, "--to", TO, "--out", folder.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).containsPattern("skipped rag\\.incidents partition [0-2] offset [0-9]+ \\("
                + BASE.plus(Duration.ofMinutes(20)) + "\\): cannot decode it: ");
    }

    @Test
    void incidentOptionKeepsOtherFiles(@TempDir final Path out) throws Exception {
        // A postmortem of shard-4 that its owner already completed must survive a replay of shard-5 only.
        final Path edited = Files.writeString(out.resolve(SHARD_4.incidentId + ".md"), "root cause: written by hand");

        final CliCluster.Run run = cluster.run("replay", "--incident", SHARD_5.incidentId, "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Wrote the postmortems of 1 of 2 incidents in the range.");
        assertThat(fileNames(out)).containsExactlyInAnyOrder(SHARD_5.incidentId + ".md", SHARD_5.incidentId + ".svg",
                SHARD_4.incidentId + ".md");
        assertThat(Files.readString(edited)).isEqualTo("root cause: written by hand");
    }

    @Test
    void unknownIncidentExitsOne(@TempDir final Path out) {
        final CliCluster.Run run = cluster.run("replay", "--from", FROM, "--to", TO,
                "--incident", "inc-0000000000000000", "--incident", SHARD_4.incidentId, "--out", out.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("incident inc-0000000000000000 has no update between " + FROM + " and " + TO);
        assertThat(fileNames(out)).containsExactlyInAnyOrder(SHARD_4.incidentId + ".md", SHARD_4.incidentId + ".svg");
    }

    @Test
    void emptyRangeWritesNothing(@TempDir final Path folder) {
        final Path out = folder.resolve("postmortems");

        final CliCluster.Run run = cluster.run("replay", "--from", BASE.minus(Duration.ofHours(2)).toString(), "--to",
                BASE.minus(Duration.ofHours(1)).toString(), "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("No incident has an update in the range, so no files were written. Read 0"
                + " records");
        assertThat(out).doesNotExist();
    }

    @Test
    void reversedRangeIsUsageError() {
        final CliCluster.Run run = cluster.run("replay", "--from", "1h", "--to", "2h");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid range: --from ");
    }

    @Test
    void invalidIncidentIdIsUsageError() {
        final CliCluster.Run run = cluster.run("replay", "--incident", "../etc/passwd");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid --incident '../etc/passwd'");
    }

    @Test
    void titlePrefixMatchesPostmortem() {
        // An underscore is the one character of an incident id that the Markdown escapes.
        final String id = "inc_manual-1.a";
        final Instant at = BASE;
        final IncidentTimeline timeline = new IncidentTimeline(id, "rag-prod/vectorstore/shard-5", Scenario.SHARD_DOWN,
                IncidentState.OPEN, at, at, at, List.of(), List.of(), List.of(), List.of(), List.of(), Optional.empty(),
                new IncidentTimeline.Durations(Duration.ZERO, Optional.empty(), Optional.empty(), 0, false));

        final String markdown = PostmortemWriter.render(timeline, new TopicRangeReader.Range(at, at.plusSeconds(60)));

        assertThat(markdown).startsWith(ReplayCommand.titlePrefix(id));
        assertThat(markdown).doesNotStartWith(ReplayCommand.titlePrefix("inc_manual"));
    }

    private static List<String> commandBars(final Path svg) throws Exception {
        final Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        final NodeList rects = document.getElementsByTagName("rect");
        final List<String> ids = new ArrayList<>();
        for (int i = 0; i < rects.getLength(); i++) {
            final Element rect = (Element) rects.item(i);
            if (rect.getAttribute("class").equals("command")) {
                ids.add(rect.getAttribute("data-command-id"));
            }
        }
        return ids;
    }

    private static List<String> fileNames(final Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).toList();
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
