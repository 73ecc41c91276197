package io.ragreactor.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesTopicIngress;
import io.ragreactor.ingress.ReceiverSettings;
import io.ragreactor.ingress.SampleLineParser;
import io.ragreactor.ingress.WebhookReceiver;
import io.ragreactor.podwatcher.PodWatcher;
import io.ragreactor.podwatcher.PodWatcherSettings;
import io.ragreactor.runbook.Runbook;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingress as one running unit: the webhook receiver and, when requested, the pod watcher and the JSON lines
 * consumer, all publishing through one {@link HealthEventPublisher}. It owns the publisher and the Kubernetes
 * client it is given, and {@link #close()} stops the consumer, the watcher, then the receiver, then closes the
 * publisher and the client.
 */
final class IngressServices implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngressServices.class);

    /** Paths the receiver serves, as printed for the operator. */
    /** How long close() waits for the JSON lines consumer to finish its batch before closing the publisher. */
    private static final Duration LINES_STOP_TIMEOUT = Duration.ofSeconds(10);

    static final String ENDPOINTS = "POST /alertmanager, POST /health-lines?format=probe|provider, GET /healthz";

    private final HealthEventPublisher publisher;
    private final WebhookReceiver receiver;
    private final PodWatcher watcher;
    private final JsonLinesTopicIngress linesIngress;
    private final Thread linesThread;
    private final KubernetesClient kubernetes;

    private IngressServices(final HealthEventPublisher publisher, final WebhookReceiver receiver,
                            final PodWatcher watcher, final KubernetesClient kubernetes,
                            final JsonLinesTopicIngress linesIngress, final Thread linesThread) {
        this.publisher = publisher;
        this.receiver = receiver;
        this.watcher = watcher;
        this.kubernetes = kubernetes;
        this.linesIngress = linesIngress;
        this.linesThread = linesThread;
    }

    /** The topic of JSON lines to consume, with the client settings of its consumer. */
    record LinesTopic(String bootstrapServers, Map<String, Object> clientConfig, String topic) {
    }

    /**
     * Starts the receiver on {@code listen} and, when {@code watch} is not null, a pod watcher on
     * {@code kubernetes}. A pod event that cannot be published is logged and counted by the watcher, which
     * retries it on the pod's next update, resync or deadline check. When a part fails to start, the parts
     * already started, the publisher and the client are closed before the error is thrown.
     *
     * When {@code lines} is not null, JSON lines from its topic are consumed on a thread of their own.
     *
     * @param kubernetes the client of the watched cluster, or null without {@code watch}
     * @throws CommandFailedException when {@code listen} cannot be bound
     */
    static IngressServices start(final HealthEventPublisher publisher, final Runbook runbook,
                                 final InetSocketAddress listen, final KubernetesClient kubernetes,
                                 final PodWatcherSettings watch, final LinesTopic lines) {
        WebhookReceiver receiver = null;
        PodWatcher watcher = null;
        JsonLinesTopicIngress linesIngress = null;
        Thread linesThread = null;
        try {
            try {
                receiver = WebhookReceiver.start(ReceiverSettings.of(listen), runbook, publisher, Clock.systemUTC());
            } catch (final UncheckedIOException e) {
                throw new CommandFailedException("cannot listen on " + listen + ": " + e.getCause().getMessage()
                        + "; stop what uses the port or pick another --listen", e);
            }
            if (watch != null) {
                watcher = new PodWatcher(kubernetes, runbook, watch, Clock.systemUTC(), publisher::publish);
                watcher.start();
            }
            if (lines != null) {
                linesIngress = JsonLinesTopicIngress.connect(lines.bootstrapServers(), lines.clientConfig(),
                        lines.topic(), JsonLinesTopicIngress.DEFAULT_GROUP_ID, new SampleLineParser(runbook), publisher);
                linesThread = new Thread(linesIngress, "json-lines-ingress");
                linesThread.start();
            }
            return new IngressServices(publisher, receiver, watcher, kubernetes, linesIngress, linesThread);
        } catch (final RuntimeException e) {
            new IngressServices(publisher, receiver, watcher, kubernetes, linesIngress, linesThread).close();
            throw e;
        }
    }

    /** Returns the receiver's base URL, for example {@code http://127.0.0.1:9095}. */
    String receiverUrl() {
        return receiver.url();
    }

    /** Returns the pod watcher, when one runs. */
    Optional<PodWatcher> watcher() {
        return Optional.ofNullable(watcher);
    }

    @Override
    public void close() {
        if (linesIngress != null) {
            linesIngress.close();
            try {
                linesThread.join(LINES_STOP_TIMEOUT.toMillis());
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (watcher != null) {
                watcher.close();
            }
        } finally {
            try {
                if (receiver != null) {
                    receiver.close();
                }
            } finally {
                try {
                    publisher.close();
                } finally {
                    if (kubernetes != null) {
                        kubernetes.close();
                    }
                }
            }
        }
        LOG.info("Ingress stopped: watcherReported=[{}] watcherFailedDeliveries=[{}]",
                watcher == null ? 0 : watcher.reportedEvents(), watcher == null ? 0 : watcher.failedDeliveries());
    }
}
