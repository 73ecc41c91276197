package io.ragreactor.ingress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.deadletter.DeadLetterReason;

/**
 * Picks the parser of each JSON line by its fields: {@code provider} marks the RAG API's record of a failed
 * provider call, {@code prober} a golden-query result, and {@code pod} with {@code line} a vectorstore log line.
 * A file may therefore mix the formats.
 */
public final class SampleLineParser implements LineParser {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LineParser probeParser;
    private final LineParser providerParser;

    /** Creates a parser that reads the prober, log and provider formats with the runbook's target rules. */
    public SampleLineParser(final Runbook runbook) {
        this(new ProbeLineParser(runbook), new ProviderResponseParser(runbook));
    }

    public SampleLineParser(final LineParser probeParser, final LineParser providerParser) {
        this.probeParser = probeParser;
        this.providerParser = providerParser;
    }

    @Override
    public ParsedLine parse(final String line) {
        final JsonNode json;
        try {
            json = JSON.readTree(line);
        } catch (final JsonProcessingException e) {
            return rejected("line is not JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            return rejected("line is not a JSON object");
        }
        if (json.has("provider")) {
            return providerParser.parse(line);
        }
        if (json.has("prober") || json.has("pod") && json.has("line")) {
            return probeParser.parse(line);
        }
        return rejected("line matches no known format: expected a golden-query result (field prober), a vectorstore"
                + " log line (fields pod and line) or a failed provider call (field provider)");
    }

    private static ParsedLine rejected(final String message) {
        return new ParsedLine.Rejected(DeadLetterReason.UNPARSEABLE_INPUT, message);
    }
}
