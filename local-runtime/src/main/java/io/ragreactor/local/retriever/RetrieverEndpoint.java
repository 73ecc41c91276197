package io.ragreactor.local.retriever;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ragreactor.local.cluster.ShardIndex;
import io.ragreactor.local.cluster.SimulatedCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retriever's debug endpoint of the simulated stack: {@code POST /debug/retrieve} with
 * {@code {"qid", "q", "shard", "k"}} returns {@code {"retrieved": [{"id", "score"}]}} for the pinned shard.
 * Each request resolves the shard's current Ready pod, the PVC it mounts and that PVC's index in the
 * simulated cluster: a broken index returns an empty list, a healthy one the k best documents by
 * {@link OverlapScorer}.
 */
public final class RetrieverEndpoint implements AutoCloseable {

    /** Logger of every line the simulated retriever writes. */
    public static final String LOGGER_NAME = "simulated-retriever";

    /** The endpoint's path. */
    public static final String PATH = "/debug/retrieve";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_K = 100;
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;
    private final SimulatedCluster cluster;
    private final OverlapScorer scorer = new OverlapScorer();

    private RetrieverEndpoint(final HttpServer server, final ExecutorService executor, final SimulatedCluster cluster) {
        this.server = server;
        this.executor = executor;
        this.cluster = cluster;
    }

    /** Starts the endpoint on an ephemeral port of 127.0.0.1. */
    public static RetrieverEndpoint start(final SimulatedCluster cluster) {
        final HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        } catch (final IOException e) {
            throw new IllegalStateException("failed to bind the retriever endpoint on 127.0.0.1", e);
        }
        final ExecutorService executor = Executors.newFixedThreadPool(4, runnable -> {
            final Thread thread = new Thread(runnable, "simulated-retriever");
            thread.setDaemon(true);
            return thread;
        });
        final RetrieverEndpoint endpoint = new RetrieverEndpoint(server, executor, cluster);
        server.createContext("/", endpoint::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("simulated retriever serving {}", endpoint.url());
        return endpoint;
    }

    /** Returns the full URL of the debug endpoint, {@code http://127.0.0.1:PORT/debug/retrieve}. */
    public String url() {
        return baseUrl() + PATH;
    }

    /** Returns the server's root URL, {@code http://127.0.0.1:PORT}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("simulated retriever stopped");
    }

    private void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                sendError(exchange, 404, "not found: " + exchange.getRequestURI().getPath() + "; the endpoint is POST "
                        + PATH);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                sendError(exchange, 405, "method " + exchange.getRequestMethod() + " not allowed; use POST");
                return;
            }
            final RetrieveRequest request;
            try {
                request = RetrieveRequest.parse(readBody(exchange.getRequestBody()));
            } catch (final InvalidRequestException e) {
                sendError(exchange, 400, e.getMessage());
                return;
            }
            if (cluster.seed().vectorstore().shard(request.shard()).isEmpty()) {
                sendError(exchange, 404, "unknown shard '" + request.shard() + "'; known shards: "
                        + cluster.seed().shardNames());
                return;
            }
            retrieve(exchange, request);
        } catch (final RuntimeException e) {
            LOG.error("retrieval failed", e);
            sendError(exchange, 500, "retrieval failed: " + e.getMessage());
        }
    }

    private void retrieve(final HttpExchange exchange, final RetrieveRequest request) throws IOException {
        final ShardIndex served = cluster.shardIndex(request.shard());
        if (served.pod().isEmpty()) {
            LOG.info("qid=[{}] shard=[{}]: no Ready pod serves the shard", request.qid(), request.shard());
            sendError(exchange, 503, "no Ready pod serves shard " + request.shard());
            return;
        }
        final List<OverlapScorer.ScoredDocument> retrieved = served.healthy()
                ? scorer.rank(request.question(), served.index().get().documents(), request.k())
                : List.of();
        LOG.info("qid=[{}] shard=[{}] pod=[{}] pvc=[{}] index=[{}]: {} documents", request.qid(), request.shard(),
                served.pod().get().getMetadata().getName(), served.claim().orElse("<none>"),
                served.index().map(index -> index.state().label()).orElse("missing"), retrieved.size());
        final ObjectNode body = JSON.createObjectNode();
        final ArrayNode list = body.putArray("retrieved");
        for (final OverlapScorer.ScoredDocument document : retrieved) {
            list.addObject().put("id", document.id()).put("score", document.score());
        }
        send(exchange, 200, body);
    }

    private static byte[] readBody(final InputStream in) throws IOException, InvalidRequestException {
        final byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            throw new InvalidRequestException("request body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        return body;
    }

    private static void sendError(final HttpExchange exchange, final int status, final String message)
            throws IOException {
        final ObjectNode body = JSON.createObjectNode().put("error", message);
        send(exchange, status, body);
    }

    private static void send(final HttpExchange exchange, final int status, final JsonNode body) throws IOException {
        final byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A parsed and validated request body. */
    private record RetrieveRequest(String qid, String question, String shard, int k) {

        static RetrieveRequest parse(final byte[] body) throws InvalidRequestException {
            final JsonNode json;
            try {
                json = JSON.readTree(new String(body, StandardCharsets.UTF_8));
            } catch (final JsonProcessingException e) {
                throw new InvalidRequestException("request body is not valid JSON: " + e.getOriginalMessage());
            }
            if (json == null || !json.isObject()) {
                throw new InvalidRequestException("request body must be a JSON object with qid, q, shard and k");
            }
            final JsonNode k = json.get("k");
            if (k == null || !k.canConvertToInt() || !k.isIntegralNumber() || k.intValue() < 1 || k.intValue() > MAX_K) {
                throw new InvalidRequestException("field k must be an integer from 1 to " + MAX_K + ", got " + k);
            }
            return new RetrieveRequest(text(json, "qid"), text(json, "q"), text(json, "shard"), k.intValue());
        }

        private static String text(final JsonNode json, final String field) throws InvalidRequestException {
            final JsonNode value = json.get(field);
            if (value == null || !value.isTextual() || value.textValue().isBlank()) {
                throw new InvalidRequestException("field " + field + " must be a non-empty string, got " + value);
            }
            return value.textValue();
        }
    }

    /** An invalid request, which the endpoint rejects with status 400. */
    private static final class InvalidRequestException extends Exception {

        InvalidRequestException(final String message) {
            super(message);
        }
    }
}
