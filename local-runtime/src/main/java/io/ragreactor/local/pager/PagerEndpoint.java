package io.ragreactor.local.pager;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stand-in for an on-call pager: a webhook receiver on 127.0.0.1 that accepts the escalations the
 * actuators post and keeps them, one per de-duplication key, for the demo and the tests to read. It responds
 * 202 to a JSON object with a de-duplication key and 400 to anything else, so a malformed escalation fails its
 * command.
 */
public final class PagerEndpoint implements AutoCloseable {

    /** Path the escalations are posted to; a channel's URL is {@link #url()}. */
    public static final String PATH = "/escalations";

    /** Largest body accepted; escalations carry bounded evidence, so a larger one is a fault of the sender. */
    static final int MAX_BODY_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(PagerEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Escalation> received = new LinkedHashMap<>();

    private PagerEndpoint(final HttpServer server, final ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** One escalation as the pager received it. */
    public record Escalation(String dedupKey, String channel, String severity, String incidentId, String target,
                             String summary, int evidenceCount) {
    }

    /** Starts the receiver on an ephemeral port of 127.0.0.1. */
    public static PagerEndpoint start() {
        final HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot bind the pager endpoint to 127.0.0.1", e);
        }
        final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "pager-endpoint");
            thread.setDaemon(true);
            return thread;
        });
        final PagerEndpoint pager = new PagerEndpoint(server, executor);
        server.createContext(PATH, pager::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("pager endpoint listening at {}", pager.url());
        return pager;
    }

    /** Returns the URL that escalation channels post to, {@code http://127.0.0.1:PORT/escalations}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    /** Lists the escalations received so far, a re-delivery counted once, in arrival order. */
    public synchronized List<Escalation> escalations() {
        return new ArrayList<>(received.values());
    }

    private void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "only POST is accepted");
                return;
            }
            final byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(MAX_BODY_BYTES + 1);
            }
            if (body.length > MAX_BODY_BYTES) {
                respond(exchange, 413, "body larger than " + MAX_BODY_BYTES + " bytes");
                return;
            }
            final JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (final JsonProcessingException e) {
                LOG.warn("Rejected an escalation that is not JSON: {}", e.getOriginalMessage());
                respond(exchange, 400, "body is not JSON: " + e.getOriginalMessage());
                return;
            }
            if (json == null || !json.isObject() || !json.hasNonNull("dedupKey")) {
                LOG.warn("Rejected an escalation without a dedupKey field");
                respond(exchange, 400, "body must be a JSON object with a dedupKey field");
                return;
            }
            record(json);
            respond(exchange, 202, "accepted");
        }
    }

    private synchronized void record(final JsonNode json) {
        final Escalation escalation = new Escalation(json.path("dedupKey").asText(), json.path("channel").asText(),
                json.path("severity").asText(), json.path("incidentId").asText(), json.path("target").asText(),
                json.path("summary").asText(), json.path("evidence").size());
        if (received.putIfAbsent(escalation.dedupKey(), escalation) == null) {
            LOG.info("escalation received: channel=[{}] severity=[{}] incident=[{}] target=[{}] summary=[{}]",
                    escalation.channel(), escalation.severity(), escalation.incidentId(), escalation.target(),
                    escalation.summary());
        }
    }

    private static void respond(final HttpExchange exchange, final int status, final String message)
            throws IOException {
        final byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Stops the receiver and its thread. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
