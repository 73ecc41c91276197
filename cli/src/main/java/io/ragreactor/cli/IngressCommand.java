package io.ragreactor.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesTopicIngress;
import io.ragreactor.podwatcher.PodWatcherSettings;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookException;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.topics.Topics;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * Runs the ingress against a real cluster until Ctrl-C or SIGTERM: the webhook receiver and, with
 * {@code --watch-pods}, the pod watcher, both producing to the health topic.
 */
@Command(name = "ingress", mixinStandardHelpOptions = true,
        description = "Run the ingress until Ctrl-C: a webhook receiver for Alertmanager (POST /alertmanager) and"
                + " JSON lines (POST /health-lines?format=probe|provider), and with --watch-pods a pod watcher,"
                + " all producing health events to rag.health.")
final class IngressCommand implements Callable<Integer> {

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9095",
            converter = ListenAddressConverter.class,
            description = "Address the webhook receiver listens on; 0.0.0.0:PORT for every interface (default:"
                    + " ${DEFAULT-VALUE}). The receiver has no authentication: expose it only to Alertmanager.")
    private InetSocketAddress listen;

    @Option(names = "--watch-pods", paramLabel = "NAMESPACE",
            description = "Also watch the pods of NAMESPACE and report crash loops, restarts and missed readiness"
                    + " deadlines. The Kubernetes connection comes from the usual fabric8 sources: KUBECONFIG or"
                    + " ~/.kube/config and its current context, or the service account inside a pod.")
    private String watchNamespace;

    @Option(names = "--pod-selector", paramLabel = "KEY=VALUE",
            description = "Watch only pods carrying this label; repeat for several labels (default: every pod of"
                    + " the namespace). Needs --watch-pods.")
    private Map<String, String> podSelector;

    @Option(names = "--runbook", paramLabel = "FILE",
            description = "Runbook file whose alerts and target rules map alerts, lines and pods to targets"
                    + " (default: the shipped demo runbook).")
    private Path runbookFile;

    @Option(names = "--json-lines-topic", paramLabel = "TOPIC",
            description = "Also consume JSON lines in the samples' formats from TOPIC, for producers such as"
                    + " kcat -P -l, in consumer group " + JsonLinesTopicIngress.DEFAULT_GROUP_ID + "; bad lines are"
                    + " dead-lettered with their partition and offset (default: no topic; "
                    + JsonLinesTopicIngress.DEFAULT_TOPIC + " is the usual name).")
    private String linesTopic;

    @Option(names = "--delivery-timeout", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "How long a publish may wait for the broker before the receiver responds with 503, so"
                    + " that Alertmanager retries, or the watcher retries the pod later (default: ${DEFAULT-VALUE}).")
    private Duration deliveryTimeout;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        final ClusterSettings settings = connection.settings();
        final Runbook runbook = runbook();
        final PodWatcherSettings watch = watchSettings();
        final Topics topics = settings.topics();
        final PrintWriter out = spec.commandLine().getOut();
        TopicCheck.requireTopics(settings, topics.health().name(), topics.healthDeadLetter().name());

        final KubernetesClient kubernetes = watch == null ? null : kubernetesClient();
        final HealthEventPublisher publisher;
        try {
            publisher = connect(settings, topics);
        } catch (final RuntimeException e) {
            if (kubernetes != null) {
                kubernetes.close();
            }
            throw e;
        }
        try (ShutdownSignal signal = ShutdownSignal.install("ingress");
             IngressServices ingress = IngressServices.start(publisher, runbook, listen, kubernetes, watch,
                     linesTopic == null ? null : new IngressServices.LinesTopic(settings.bootstrapServers(),
                             settings.clientProperties(), linesTopic))) {
            out.println("Receiving on " + ingress.receiverUrl() + ": " + IngressServices.ENDPOINTS);
            if (watch != null) {
                out.println("Watching pods in namespace " + watch.namespace()
                        + (watch.podSelector().isEmpty() ? "" : " with labels " + watch.podSelector()) + " on "
                        + kubernetes.getMasterUrl());
            }
            if (linesTopic != null) {
                out.println("Consuming JSON lines from " + linesTopic);
            }
            out.println("Publishing to " + topics.health().name() + " on " + settings.bootstrapServers()
                    + " with runbook " + runbook.version() + ". Logs: " + RagReactorCli.logFile());
            out.println("Press Ctrl-C to stop.");
            out.flush();
            signal.await();
            out.println("Stopping the ingress ...");
            out.flush();
        }
        return CommandLine.ExitCode.OK;
    }

    private Runbook runbook() {
        if (runbookFile == null) {
            return RunbookLoader.loadDefault(Map.of());
        }
        try {
            return RunbookLoader.load(runbookFile, Map.of());
        } catch (final RunbookException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid --runbook: " + e.getMessage());
        }
    }

    /** Returns the watcher's settings, or null without --watch-pods. */
    private PodWatcherSettings watchSettings() {
        if (watchNamespace == null) {
            if (podSelector != null && !podSelector.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--pod-selector needs --watch-pods");
            }
            return null;
        }
        try {
            return PodWatcherSettings.forNamespace(watchNamespace)
                    .withPodSelector(podSelector == null ? Map.of() : podSelector);
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid --watch-pods or --pod-selector: "
                    + e.getMessage());
        }
    }

    private static KubernetesClient kubernetesClient() {
        try {
            return new KubernetesClientBuilder().build();
        } catch (final KubernetesClientException e) {
            throw new CommandFailedException("cannot configure the Kubernetes client for --watch-pods: "
                    + e.getMessage() + "; check KUBECONFIG or ~/.kube/config", e);
        }
    }

    /**
     * Creates a publisher with the client properties of --command-config whose sends fail within the delivery
     * timeout, so the receiver can respond to its caller in time.
     */
    private HealthEventPublisher connect(final ClusterSettings settings, final Topics topics) {
        final Map<String, Object> config = settings.producerConfig();
        final int millis = Math.toIntExact(deliveryTimeout.toMillis());
        // The producer requires delivery.timeout.ms >= linger.ms + request.timeout.ms, and linger is 0 here.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) millis);
        return new HealthEventPublisher(topics,
                new KafkaProducer<>(config, topics.health().keySerde().serializer(),
                        topics.health().valueSerde().serializer()),
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
    }
}
