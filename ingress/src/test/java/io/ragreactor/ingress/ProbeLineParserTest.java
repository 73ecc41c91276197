package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexErrorKind;
import io.ragreactor.schemas.health.IndexIoError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeLineParserTest {

    private final ProbeLineParser parser = new ProbeLineParser(Runbook.defaults());

    private static List<String> sampleLines() throws IOException {
        try (InputStream in = ProbeLineParserTest.class.getResourceAsStream("/golden-query-results.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void shouldParseWholeSample() throws IOException {
        final List<ParsedLine> parsed = sampleLines().stream().map(parser::parse).toList();

        assertThat(parsed).allSatisfy(line -> assertThat(line).isInstanceOf(ParsedLine.Event.class));
        final List<HealthEvent> events = parsed.stream().map(line -> ((ParsedLine.Event) line).event()).toList();
        assertThat(events).extracting(HealthEvent::getTarget).containsOnly(
                "rag-prod/vectorstore/shard-4", "rag-prod/vectorstore/shard-5");
        assertThat(events).filteredOn(e -> e.getTarget().endsWith("shard-5")).hasSize(7);
    }

    @Test
    void shouldMapProberLineToGoldenQueryResult() throws IOException {
        final HealthEvent event = ((ParsedLine.Event) parser.parse(sampleLines().get(2))).event();

        assertThat(event.getObservedAt()).isEqualTo(Instant.parse("2026-11-30T09:13:00.011Z"));
        assertThat(event.getSource()).isEqualTo("golden-query-prober");
        final GoldenQueryResult result = (GoldenQueryResult) event.getPayload();
        assertThat(result.getQid()).isEqualTo("gq-007");
        assertThat(result.getRetrieved()).isEmpty();
    }

    @Test
    void shouldMapLogLinesToIndexErrors() throws IOException {
        final HealthEvent io = ((ParsedLine.Event) parser.parse(sampleLines().get(4))).event();
        final HealthEvent checksum = ((ParsedLine.Event) parser.parse(sampleLines().get(7))).event();

        assertThat(io.getObservedAt()).isEqualTo(Instant.parse("2026-11-30T09:13:30.398Z"));
        assertThat(((IndexIoError) io.getPayload()).getKind()).isEqualTo(IndexErrorKind.IO);
        assertThat(((IndexIoError) io.getPayload()).getSegment()).isEqualTo("seg-000183.vec");
        assertThat(((IndexIoError) io.getPayload()).getPodName()).isEqualTo("vectorstore-shard-5-0");
        assertThat(((IndexIoError) checksum.getPayload()).getKind()).isEqualTo(IndexErrorKind.CHECKSUM);
    }

    @Test
    void shouldDeriveStableEventIds() throws IOException {
        final String line = sampleLines().get(0);
        assertThat(((ParsedLine.Event) parser.parse(line)).event().getEventId())
                .isEqualTo(((ParsedLine.Event) parser.parse(line)).event().getEventId());
    }

    @Test
    void shouldSkipLogLinesThatAreNoSymptom() {
        final ParsedLine parsed = parser.parse("{\"at\":\"2026-11-30T09:13:30.402Z\",\"source\":\"vectorstore-log\","
                + "\"pod\":\"vectorstore-shard-5-0\",\"line\":\"2026-11-30T09:13:30.398Z INFO compaction done\"}");
        assertThat(parsed).isInstanceOf(ParsedLine.Skipped.class);
    }

    @Test
    void shouldRejectBadLinesWithTheirReason() {
        assertThat(parser.parse("not json")).isInstanceOfSatisfying(ParsedLine.Rejected.class,
                r -> assertThat(r.reason()).isEqualTo(DeadLetterReason.UNPARSEABLE_INPUT));
        assertThat(parser.parse("{\"at\":\"yesterday\",\"prober\":\"p\",\"shard\":\"shard-5\",\"qid\":\"gq-1\",\"retrieved\":[]}"))
                .isInstanceOfSatisfying(ParsedLine.Rejected.class,
                        r -> assertThat(r.reason()).isEqualTo(DeadLetterReason.BAD_OBSERVATION_TIME));
        assertThat(parser.parse("{\"at\":\"2026-11-30T09:12:00Z\",\"prober\":\"p\",\"shard\":\"../etc\",\"qid\":\"gq-1\",\"retrieved\":[]}"))
                .isInstanceOfSatisfying(ParsedLine.Rejected.class,
                        r -> assertThat(r.reason()).isEqualTo(DeadLetterReason.INVALID_TARGET));
    }

    @Test
    void shouldRetimeAndCompressGaps() {
        final Retimer retimer = new Retimer(Instant.parse("2026-12-04T10:00:00Z"), 30);
        assertThat(retimer.retime(Instant.parse("2026-11-30T09:12:00Z"))).isEqualTo(Instant.parse("2026-12-04T10:00:00Z"));
        assertThat(retimer.retime(Instant.parse("2026-11-30T09:13:00Z"))).isEqualTo(Instant.parse("2026-12-04T10:00:02Z"));
        assertThat(retimer.retime(Instant.parse("2026-11-30T09:13:30Z"))).isEqualTo(Instant.parse("2026-12-04T10:00:03Z"));
    }
}
