package io.ragreactor.ingress;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.HealthEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles {@code POST /health-lines?format=probe|provider}: JSON lines as the golden-query prober and log shipper
 * ({@code probe}) or the RAG API's record of failed provider calls ({@code provider}) write them. Bad lines are
 * dead-lettered and counted. The response is 200 with the counts, or 503 when the sink could not store a record in
 * time. Lines sent before that failure stay published, so a retried body publishes them again.
 */
final class HealthLinesHandler implements HttpHandler {

    /** Path of the endpoint. */
    static final String PATH = "/health-lines";

    private static final Logger LOG = LoggerFactory.getLogger(HealthLinesHandler.class);

    private final Map<String, LineParser> parsers;
    private final HealthEventSink sink;
    private final int maxBodyBytes;
    private final RejectionLog rejections;

    HealthLinesHandler(final Runbook runbook, final HealthEventSink sink, final int maxBodyBytes,
                       final RejectionLog rejections) {
        this.parsers = Map.of("probe", new ProbeLineParser(runbook), "provider", new ProviderResponseParser(runbook));
        this.sink = sink;
        this.maxBodyBytes = maxBodyBytes;
        this.rejections = rejections;
    }

    @Override
    public void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!HttpExchanges.isPostTo(exchange, PATH)) {
                return;
            }
            final String format = format(exchange.getRequestURI().getRawQuery());
            final LineParser parser = parsers.get(format);
            if (parser == null) {
                final String message = "query parameter format must be probe or provider, got '" + format + "'";
                rejections.rejected(PATH, 400, message);
                HttpExchanges.error(exchange, 400, message);
                return;
            }
            final String body;
            try {
                body = HttpExchanges.readBody(exchange, maxBodyBytes);
            } catch (final HttpExchanges.BodyTooLargeException e) {
                rejections.rejected(PATH, 413, e.getMessage());
                HttpExchanges.error(exchange, 413, e.getMessage());
                return;
            }
            ingest(exchange, parser, format, body);
        }
    }

    private void ingest(final HttpExchange exchange, final LineParser parser, final String format, final String body)
            throws IOException {
        final String sourceName = "health-lines-" + format;
        final JsonLinesIngress.Summary summary;
        try {
            summary = new JsonLinesIngress(parser, sink).run(new BufferedReader(new StringReader(body)), sourceName,
                    null, new LoggingListener(sourceName));
        } catch (final SinkUnavailableException e) {
            LOG.warn("Answering 503 for source=[{}]: {}", sourceName, e.getMessage());
            HttpExchanges.error(exchange, 503, "health events could not be stored: " + e.getMessage());
            return;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            HttpExchanges.error(exchange, 503, "the receiver is stopping");
            return;
        } catch (final RuntimeException e) {
            LOG.error("Failed to deliver the health lines of source=[{}]", sourceName, e);
            HttpExchanges.error(exchange, 500, "health events could not be delivered: " + e.getMessage());
            return;
        }
        HttpExchanges.respond(exchange, 200, Map.of("published", summary.published(), "skipped", summary.skipped(),
                "deadLettered", summary.deadLettered()));
    }

    /** Returns the value of the query parameter {@code format}, or empty without one. */
    private static String format(final String rawQuery) {
        if (rawQuery == null) {
            return "";
        }
        for (final String parameter : rawQuery.split("&")) {
            if (parameter.startsWith("format=")) {
                return parameter.substring("format=".length());
            }
        }
        return "";
    }

    /** Logs each dead-lettered line; published and skipped lines are only counted. */
    private record LoggingListener(String sourceName) implements JsonLinesIngress.Listener {

        @Override
        public void published(final HealthEvent event) {
        }

        @Override
        public void skipped(final long lineNumber, final String why) {
        }

        @Override
        public void deadLettered(final long lineNumber, final ParsedLine.Rejected rejected) {
            LOG.warn("Dead-lettered line source=[{}] line=[{}] reason=[{}]: {}", sourceName, lineNumber,
                    rejected.reason().code(), rejected.message());
        }
    }
}
