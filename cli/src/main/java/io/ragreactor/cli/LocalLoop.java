package io.ragreactor.cli;

import io.ragreactor.actuators.ActuatorConfig;
import io.ragreactor.actuators.ActuatorService;
import io.ragreactor.local.LocalRuntime;
import io.ragreactor.reactor.ReactorConfig;
import io.ragreactor.reactor.ReactorService;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The whole recovery loop on the local runtime: the runtime's servers and simulated cluster, the reactor
 * and the actuators, wired as they would be in production. The demo and the integration tests use it.
 */
public final class LocalLoop implements AutoCloseable {

    /** Partitions of the topics the loop creates; fewer than production's 6 so start-up stays quick. */
    static final int PARTITIONS = 3;

    private final LocalRuntime runtime;
    private final Runbook runbook;
    private final Topics topics;
    private final ReactorService reactor;
    private final ActuatorService actuators;
    private final Path stateDir;

    private LocalLoop(final LocalRuntime runtime, final Runbook runbook, final Topics topics,
                      final ReactorService reactor, final ActuatorService actuators, final Path stateDir) {
        this.runtime = runtime;
        this.runbook = runbook;
        this.topics = topics;
        this.reactor = reactor;
        this.actuators = actuators;
        this.stateDir = stateDir;
    }

    /** Starts the runtime, then the reactor and the actuators with the shipped runbook, and waits until the reactor runs. */
    public static LocalLoop start(final LocalRuntime.Options options) {
        return start(options, Map.of());
    }

    /**
     * Starts the runtime, then the reactor and the actuators, and waits until the reactor runs. The runbook is
     * the shipped one with {@code runbookOverrides} (dotted key to value) applied.
     */
    public static LocalLoop start(final LocalRuntime.Options options, final Map<String, String> runbookOverrides) {
        final LocalRuntime runtime = LocalRuntime.start(options);
        final Path stateDir = temporaryDirectory("rag-reactor-state");
        ReactorService reactor = null;
        try {
            // The runbook's retriever URL points at the simulated retriever, whose port is chosen at start.
            final Map<String, String> overrides = new HashMap<>(runbookOverrides);
            overrides.put("shardDown.steps.validate.retrieverUrl", runtime.retrieverUrl());
            final Runbook runbook = RunbookLoader.loadDefault(overrides);
            final Topics topics = Topics.create(TopicNames.defaults(),
                    new RestSchemaRegistryClient(runtime.schemaRegistryUrl()));
            reactor = ReactorService.start(reactorConfig(runtime, stateDir), overrides);
            final ActuatorService actuators = new ActuatorService(actuatorConfig(runtime, runbook),
                    runtime.newKubernetesClient(), runtime.newS3Client());
            actuators.start();
            awaitRunning(reactor);
            return new LocalLoop(runtime, runbook, topics, reactor, actuators, stateDir);
        } catch (final RuntimeException | InterruptedException e) {
            if (reactor != null) {
                reactor.close();
            }
            runtime.close();
            deleteRecursively(stateDir);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot start the local loop: " + e.getMessage(), e);
        }
    }

    public LocalRuntime runtime() {
        return runtime;
    }

    public Runbook runbook() {
        return runbook;
    }

    public Topics topics() {
        return topics;
    }

    private static ReactorConfig reactorConfig(final LocalRuntime runtime, final Path stateDir) {
        final Map<String, Object> values = new HashMap<>();
        values.put(ReactorConfig.BOOTSTRAP_SERVERS, runtime.bootstrapServers());
        values.put(ReactorConfig.SCHEMA_REGISTRY_URL, runtime.schemaRegistryUrl());
        values.put(ReactorConfig.STATE_DIR, stateDir.toString());
        values.put(ReactorConfig.TOPIC_PARTITIONS, PARTITIONS);
        values.put(ReactorConfig.PUNCTUATION_INTERVAL_MS, 500L);
        return ReactorConfig.from(values, Map.of());
    }

    private static ActuatorConfig actuatorConfig(final LocalRuntime runtime, final Runbook runbook) {
        final Map<String, Object> values = new HashMap<>();
        values.put(ActuatorConfig.BOOTSTRAP_SERVERS, runtime.bootstrapServers());
        values.put(ActuatorConfig.SCHEMA_REGISTRY_URL, runtime.schemaRegistryUrl());
        values.put(ActuatorConfig.ALLOWED_NAMESPACES, runtime.seed().namespace());
        values.put(ActuatorConfig.S3_ENDPOINT_OVERRIDE, runtime.s3Endpoint().toString());
        values.put(ActuatorConfig.S3_PATH_STYLE_ACCESS, true);
        values.put(ActuatorConfig.S3_ACCESS_KEY, runtime.s3AccessKey());
        values.put(ActuatorConfig.S3_SECRET_KEY, runtime.s3SecretKey());
        values.put(ActuatorConfig.KUBERNETES_MASTER_URL, runtime.kubernetesUrl());
        // Escalations of every ladder go to the runtime's pager.
        values.put(ActuatorConfig.ESCALATION_CHANNELS, runbook.escalation().channel() + "=" + runtime.pager().url());
        return ActuatorConfig.of(values, Map.of());
    }

    private static void awaitRunning(final ReactorService reactor) throws InterruptedException {
        final long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (reactor.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > end || reactor.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("reactor did not reach RUNNING within 60 s, state " + reactor.state());
            }
            Thread.sleep(100);
        }
    }

    private static Path temporaryDirectory(final String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot create a temporary state directory", e);
        }
    }

    /** Stops the actuators first, so in-flight commands still publish their outcomes, then the reactor and runtime. */
    @Override
    public void close() {
        try {
            actuators.close();
        } finally {
            try {
                reactor.close();
            } finally {
                runtime.close();
                deleteRecursively(stateDir);
            }
        }
    }

    /** Deletes the reactor's temporary state folder; a new loop restores its state from the changelog topics. */
    private static void deleteRecursively(final Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (final IOException e) {
            // A leftover temporary folder is harmless; the next run uses a new one.
        }
    }
}
