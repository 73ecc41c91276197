package io.ragreactor.ingress;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles {@code POST /alertmanager}: maps the webhook body and sends each event, or dead letter, to the sink.
 * Responds 200 once every record is stored, 400 for a malformed body (nothing is sent), and 503 when the sink
 * could not store a record in time, so that Alertmanager retries the whole body. A retried body may publish some
 * events again; the reactor folds those by the alert's fingerprint and start time.
 */
final class AlertmanagerHandler implements HttpHandler {

    /** Path of the webhook. */
    static final String PATH = "/alertmanager";

    private static final Logger LOG = LoggerFactory.getLogger(AlertmanagerHandler.class);

    private final AlertmanagerWebhookMapper mapper;
    private final HealthEventSink sink;
    private final Clock clock;
    private final int maxBodyBytes;
    private final RejectionLog rejections;

    AlertmanagerHandler(final AlertmanagerWebhookMapper mapper, final HealthEventSink sink, final Clock clock,
                        final int maxBodyBytes, final RejectionLog rejections) {
        this.mapper = mapper;
        this.sink = sink;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
        this.rejections = rejections;
    }

    @Override
    public void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!HttpExchanges.isPostTo(exchange, PATH)) {
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
            final Instant receivedAt = clock.instant();
            final List<MappedAlert> alerts;
            try {
                alerts = mapper.map(body, receivedAt);
            } catch (final InvalidWebhookException e) {
                rejections.rejected(PATH, 400, e.getMessage());
                HttpExchanges.error(exchange, 400, "invalid Alertmanager webhook body: " + e.getMessage());
                return;
            }
            deliver(exchange, alerts);
        }
    }

    private void deliver(final HttpExchange exchange, final List<MappedAlert> alerts) throws IOException {
        int published = 0;
        int deadLettered = 0;
        try {
            for (final MappedAlert alert : alerts) {
                if (alert.result() instanceof ParsedLine.Event event) {
                    sink.publish(event.event());
                    published++;
                } else if (alert.result() instanceof ParsedLine.Rejected rejected) {
                    sink.deadLetter(AlertmanagerWebhookMapper.SOURCE, alert.index(), alert.alertJson(),
                            rejected.reason(), rejected.message());
                    LOG.warn("Dead-lettered alert alertname=[{}] reason=[{}]: {}", alert.alertName(),
                            rejected.reason().code(), rejected.message());
                    deadLettered++;
                }
            }
        } catch (final SinkUnavailableException e) {
            LOG.warn("Answering 503 after {} of {} alert(s), so Alertmanager retries: {}", published + deadLettered,
                    alerts.size(), e.getMessage());
            HttpExchanges.error(exchange, 503, "health events could not be stored: " + e.getMessage());
            return;
        } catch (final RuntimeException e) {
            LOG.error("Failed to deliver the events of a webhook body after {} of {} alert(s)",
                    published + deadLettered, alerts.size(), e);
            HttpExchanges.error(exchange, 500, "health events could not be delivered: " + e.getMessage());
            return;
        }
        LOG.debug("Received webhook alerts=[{}] published=[{}] deadLettered=[{}]", alerts.size(), published,
                deadLettered);
        HttpExchanges.respond(exchange, 200, Map.of("published", published, "deadLettered", deadLettered));
    }
}
