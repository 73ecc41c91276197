package io.ragreactor.shadow;

import io.ragreactor.ingress.LineParser;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.ingress.ProbeLineParser;
import io.ragreactor.ingress.ProviderResponseParser;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.HealthEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The sample recordings of the demo stack, parsed into health events by the ingress's parsers. */
final class Samples {

    private Samples() {
    }

    /** Parses the shard-down sample: shard-5 degrades (empty results, a low score, IO and checksum errors) while shard-4 stays healthy. */
    static List<HealthEvent> shardDown(final Runbook runbook) {
        return parse("/golden-query-results.jsonl", new ProbeLineParser(runbook));
    }

    /** Parses the provider sample: a burst of 5xx responses from the primary LLM provider, rate limits, then 401s from both providers. */
    static List<HealthEvent> providerOutage(final Runbook runbook) {
        return parse("/llm-provider-responses.jsonl", new ProviderResponseParser(runbook));
    }

    private static List<HealthEvent> parse(final String resource, final LineParser parser) {
        try (InputStream in = Samples.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
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
}
