package io.ragreactor.embedded.junit;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.kafka.KafkaBroker;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Hands tests a real Kafka broker through a {@link KafkaBroker} parameter, one broker for the whole JVM test run.
 * The broker is a Testcontainers Kafka container when a Docker engine responds, and an {@link EmbeddedKafkaBroker}
 * otherwise or when the environment variable {@value #BROKER_ENV} is {@code embedded}.
 */
public final class KafkaBrokerExtension implements ParameterResolver {

    /** Environment variable that selects the broker: {@code embedded}, or {@code auto} (the default). */
    public static final String BROKER_ENV = "RAG_REACTOR_TEST_BROKER";
    /** Image of the container broker. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.0";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);
    private static final String STORE_KEY = "broker";

    @Override
    public boolean supportsParameter(final ParameterContext parameterContext, final ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public KafkaBroker resolveParameter(final ParameterContext parameterContext,
            final ExtensionContext extensionContext) {
        // The root context's store lives for the whole run and closes AutoCloseable values when the run ends.
        return extensionContext.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(STORE_KEY, key -> startBroker(System.getenv()), SharedBroker.class);
    }

    static SharedBroker startBroker(final Map<String, String> environment) {
        final String requested = environment.getOrDefault(BROKER_ENV, "auto").trim().toLowerCase(Locale.ROOT);
        switch (requested) {
            case "embedded":
                return startEmbedded(BROKER_ENV + "=embedded");
            case "auto":
            case "":
                break;
            default:
                throw new ExtensionConfigurationException("Invalid " + BROKER_ENV + "=" + requested
                        + ": use 'embedded' for the in-process broker, or 'auto' or nothing to use Docker when it responds");
        }
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return startContainer();
        }
        return startEmbedded("no Docker engine responded");
    }

    private static SharedBroker startEmbedded(final String reason) {
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        LOG.info("Test broker: embedded KRaft broker at {} because {}", broker.bootstrapServers(), reason);
        return new SharedBroker("embedded", broker.bootstrapServers(), broker);
    }

    @SuppressWarnings("resource") // closed through the SharedBroker at the end of the run
    private static SharedBroker startContainer() {
        final KafkaContainer container = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "4")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "4")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withCreateContainerCmdModifier(KafkaBrokerExtension::publishOnLoopbackOnly);
        container.start();
        LOG.info("Test broker: Testcontainers {} at {} because a Docker engine responded",
                KAFKA_IMAGE, container.getBootstrapServers());
        return new SharedBroker("container", container.getBootstrapServers(), container);
    }

    /**
     * Rewrites the published ports that Testcontainers chose so Docker binds them on 127.0.0.1 instead of every
     * host interface, keeping each host port as Testcontainers asked for it.
     */
    private static void publishOnLoopbackOnly(final CreateContainerCmd command) {
        final HostConfig hostConfig = command.getHostConfig();
        if (hostConfig == null || hostConfig.getPortBindings() == null) {
            return;
        }
        // NOTE: not yet run against a Docker engine. If Testcontainers cannot find the mapped port, remove this modifier.
        final Ports loopbackPorts = new Ports();
        for (final Map.Entry<ExposedPort, Ports.Binding[]> entry : hostConfig.getPortBindings().getBindings().entrySet()) {
            final Ports.Binding[] bindings = entry.getValue();
            if (bindings == null || bindings.length == 0) {
                loopbackPorts.bind(entry.getKey(), Ports.Binding.bindIp("127.0.0.1"));
                continue;
            }
            for (final Ports.Binding binding : bindings) {
                loopbackPorts.bind(entry.getKey(), new Ports.Binding("127.0.0.1", binding.getHostPortSpec()));
            }
        }
        hostConfig.withPortBindings(loopbackPorts);
    }

    /** The run's broker as the store keeps it; JUnit closes it when the root context closes. */
    static final class SharedBroker implements KafkaBroker, AutoCloseable {
        private final String kind;
        private final String bootstrapServers;
        private final AutoCloseable server;

        SharedBroker(final String kind, final String bootstrapServers, final AutoCloseable server) {
            this.kind = kind;
            this.bootstrapServers = bootstrapServers;
            this.server = server;
        }

        @Override
        public String bootstrapServers() {
            return bootstrapServers;
        }

        /** {@code embedded} or {@code container}. */
        String kind() {
            return kind;
        }

        @Override
        public void close() {
            LOG.info("Stopping the {} test broker at {}", kind, bootstrapServers);
            try {
                server.close();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while stopping the " + this, e);
            } catch (final Exception e) {
                throw new IllegalStateException("Cannot stop the " + this, e);
            }
        }

        @Override
        public String toString() {
            return kind + " broker at " + bootstrapServers;
        }
    }
}
