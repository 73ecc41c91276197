package io.ragreactor.ingress;

import com.sun.net.httpserver.HttpServer;
import io.ragreactor.runbook.Runbook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP receiver on the JDK's built-in server that turns what the RAG stack's tools post into health events:
 * Alertmanager webhooks on {@code POST /alertmanager}, JSON lines on {@code POST /health-lines?format=probe|provider},
 * and a liveness check on {@code GET /healthz}.
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);

    /** Rejected requests logged one by one per minute; the rest are counted. */
    private static final int REJECTIONS_LOGGED_PER_MINUTE = 10;
    /** Maximum wait on close for requests in flight, in seconds. */
    private static final int STOP_DELAY_SECONDS = 1;

    private final HttpServer server;
    private final ExecutorService executor;

    private WebhookReceiver(final HttpServer server, final ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts a receiver bound to {@code settings.bindAddress()} that sends to {@code sink}. Events are stamped
     * with the time of receipt read from {@code clock}.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static WebhookReceiver start(final ReceiverSettings settings, final Runbook runbook,
                                        final HealthEventSink sink, final Clock clock) {
        final HttpServer server;
        try {
            server = HttpServer.create(settings.bindAddress(), 0);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot bind the webhook receiver to " + settings.bindAddress(), e);
        }
        final RejectionLog rejections = new RejectionLog(LOG, clock, Duration.ofMinutes(1),
                REJECTIONS_LOGGED_PER_MINUTE);
        server.createContext(AlertmanagerHandler.PATH, new AlertmanagerHandler(new AlertmanagerWebhookMapper(runbook),
                sink, clock, settings.maxBodyBytes(), rejections));
        server.createContext(HealthLinesHandler.PATH, new HealthLinesHandler(runbook, sink, settings.maxBodyBytes(),
                rejections));
        server.createContext("/healthz", exchange -> {
            try (exchange) {
                if (exchange.getRequestMethod().equals("GET")) {
                    HttpExchanges.respond(exchange, 200, Map.of("status", "ok"));
                } else {
                    HttpExchanges.methodNotAllowed(exchange, "GET");
                }
            }
        });
        final ExecutorService executor = Executors.newFixedThreadPool(settings.threads(), daemonThreads());
        server.setExecutor(executor);
        server.start();
        final WebhookReceiver receiver = new WebhookReceiver(server, executor);
        LOG.info("Started webhook receiver address=[{}] maxBodyBytes=[{}] threads=[{}]", receiver.address(),
                settings.maxBodyBytes(), settings.threads());
        return receiver;
    }

    /** Returns the bound address, with the port the system picked when the settings asked for port 0. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Returns the base URL, for example {@code http://127.0.0.1:41234}. */
    public String url() {
        final InetSocketAddress address = address();
        final String host = address.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Stops accepting requests, waits up to a second for those in flight, and stops the request threads. */
    @Override
    public void close() {
        final InetSocketAddress address = address();
        server.stop(STOP_DELAY_SECONDS);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_DELAY_SECONDS, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        LOG.info("Stopped webhook receiver address=[{}]", address);
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        final AtomicInteger count = new AtomicInteger();
        return runnable -> {
            final Thread thread = new Thread(runnable, "webhook-receiver-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
