package io.ragreactor.cli;

import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesTopicIngress;
import io.ragreactor.local.LocalRuntime;
import io.ragreactor.podwatcher.PodWatcherSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * The local loop with its ingress in front: the {@link LocalLoop} plus a webhook receiver and a pod watcher on
 * the simulated cluster's namespace, both producing to the loop's broker. The {@code local} command runs it
 * until Ctrl-C, and integration tests start it to send real alerts through the whole loop.
 */
public final class LocalStack implements AutoCloseable {

    /** How long a publish may wait for the local broker before the receiver responds with 503. */
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(5);

    private final LocalLoop loop;
    private final IngressServices ingress;

    private LocalStack(final LocalLoop loop, final IngressServices ingress) {
        this.loop = loop;
        this.ingress = ingress;
    }

    /**
     * Starts the loop, then the receiver on {@code listen} and the pod watcher. When the ingress fails to start,
     * the loop is closed before the error is thrown.
     *
     * @throws CommandFailedException when {@code listen} cannot be bound
     */
    public static LocalStack start(final LocalRuntime.Options options, final InetSocketAddress listen) {
        final LocalLoop loop = LocalLoop.start(options, Map.of());
        try {
            final LocalRuntime runtime = loop.runtime();
            final HealthEventPublisher publisher = HealthEventPublisher.connect(runtime.bootstrapServers(),
                    loop.topics(), DELIVERY_TIMEOUT);
            final IngressServices ingress = IngressServices.start(publisher, loop.runbook(), listen,
                    runtime.newKubernetesClient(), PodWatcherSettings.forNamespace(runtime.seed().namespace()),
                    new IngressServices.LinesTopic(runtime.bootstrapServers(), Map.of(),
                            JsonLinesTopicIngress.DEFAULT_TOPIC));
            return new LocalStack(loop, ingress);
        } catch (final RuntimeException e) {
            loop.close();
            throw e;
        }
    }

    /** Returns the loop: its runtime's servers, runbook and topics. */
    public LocalLoop loop() {
        return loop;
    }

    /** Returns the receiver's base URL, for example {@code http://127.0.0.1:9095}. */
    public String receiverUrl() {
        return ingress.receiverUrl();
    }

    /** Returns the URL Alertmanager's webhook posts to: the receiver's {@code /alertmanager} path. */
    public String alertmanagerWebhookUrl() {
        return receiverUrl() + "/alertmanager";
    }

    /** Returns the namespace whose pods the watcher follows, the simulated stack's namespace. */
    public String watchedNamespace() {
        return loop.runtime().seed().namespace();
    }

    /** Stops the ingress first, so nothing publishes into a stopped broker, then the loop. */
    @Override
    public void close() {
        try {
            ingress.close();
        } finally {
            loop.close();
        }
    }
}
