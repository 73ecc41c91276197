package io.ragreactor.embedded.registry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry speaking the Confluent REST API for Avro schemas, served by the JDK's HTTP server on 127.0.0.1.
 * It stores every registration on the broker in a compacted single-partition topic and rebuilds its subjects,
 * versions and ids from that topic on start, so a registry restarted on the same broker keeps its schema ids.
 * Only one registry may serve a given topic at a time.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    /** Topic that stores registrations when the caller names none. */
    public static final String DEFAULT_TOPIC = "_rag-schemas";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
    private static final String LOOPBACK = "127.0.0.1";
    /** Bound on each broker call: topic setup, reading the topic at start, and each registration's write. */
    private static final Duration BROKER_TIMEOUT = Duration.ofSeconds(15);
    private static final int HTTP_THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final SchemaStore store;
    private final String url;
    private boolean closed;

    private EmbeddedSchemaRegistry(final HttpServer server, final ExecutorService executor, final SchemaStore store) {
        this.server = server;
        this.executor = executor;
        this.store = store;
        this.url = "http://" + LOOPBACK + ":" + server.getAddress().getPort();
    }

    /** Starts a registry on an ephemeral port that stores its schemas in {@value #DEFAULT_TOPIC}. */
    public static EmbeddedSchemaRegistry start(final String bootstrapServers) {
        return start(bootstrapServers, DEFAULT_TOPIC, 0);
    }

    /**
     * Starts a registry that stores its schemas in {@code topic}, creating the topic when it is missing, and
     * listens on {@code port} of 127.0.0.1 (0 picks a free port). Returns once the topic was read to its end.
     */
    public static EmbeddedSchemaRegistry start(final String bootstrapServers, final String topic, final int port) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("Schema topic name must not be blank");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("Invalid schema registry port " + port + ": use 0 to 65535");
        }

        // Read the stored registrations first, so the first request already finds every id.
        final SchemaStore store = SchemaStore.open(bootstrapServers, topic, BROKER_TIMEOUT);

        final HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(LOOPBACK, port), 0);
        } catch (final IOException e) {
            store.close();
            throw new UncheckedIOException("Cannot listen on " + LOOPBACK + ":" + port + " for the schema registry", e);
        }
        final ExecutorService executor = Executors.newFixedThreadPool(HTTP_THREADS, daemonThreads());
        server.setExecutor(executor);
        server.createContext("/", new RegistryHttpHandler(store));
        server.start();

        final EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(server, executor, store);
        LOG.info("Embedded schema registry started: url=[{}] topic=[{}] bootstrapServers=[{}]",
                registry.url, topic, bootstrapServers);
        return registry;
    }

    /** Daemon threads, so a registry its owner forgot to close does not keep the JVM running. */
    private static ThreadFactory daemonThreads() {
        final AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            final Thread thread = new Thread(runnable, "embedded-schema-registry-http-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Base URL for {@code schema.registry.url}, for example {@code http://127.0.0.1:41234}. */
    public String url() {
        return url;
    }

    /** Name of the topic that stores this registry's schemas. */
    public String topic() {
        return store.topic();
    }

    /** Stops serving requests and closes the producer; the registrations stay on the broker. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        store.close();
        LOG.info("Embedded schema registry stopped: url=[{}] topic=[{}]", url, store.topic());
    }

    @Override
    public String toString() {
        return "EmbeddedSchemaRegistry[" + url + ", topic " + store.topic() + "]";
    }
}
