package io.ragreactor.embedded.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft combined mode (broker and controller in one server), started
 * in-process with listeners on 127.0.0.1 only. Internal topics are sized for one node, so transactions
 * and exactly-once Kafka Streams work. The storage is a fresh temporary directory unless the caller keeps one.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final int NODE_ID = 1;
    private static final String CLIENT_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String LOOPBACK = "127.0.0.1";
    /** Attempts to start when a port picked as free was taken by another process before the broker bound it. */
    private static final int START_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final Path logDir;
    private final boolean deleteLogDirOnClose;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafkaBroker(final KafkaRaftServer server, final Path logDir, final boolean deleteLogDirOnClose,
            final String bootstrapServers) {
        this.server = server;
        this.logDir = logDir;
        this.deleteLogDirOnClose = deleteLogDirOnClose;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts a broker on fresh temporary storage that {@link #close()} deletes. */
    public static EmbeddedKafkaBroker start() {
        final Path logDir;
        try {
            logDir = Files.createTempDirectory("rag-reactor-kafka-");
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot create a temporary log directory for the embedded broker", e);
        }
        return start(logDir, true);
    }

    /**
     * Starts a broker whose log directory is {@code keptLogDir}, formatting it when it is empty or missing.
     * {@link #close()} leaves the directory in place, so a later start on it finds the same topics and records.
     */
    public static EmbeddedKafkaBroker start(final Path keptLogDir) {
        try {
            Files.createDirectories(keptLogDir);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot create the broker log directory " + keptLogDir, e);
        }
        return start(keptLogDir, false);
    }

    private static EmbeddedKafkaBroker start(final Path logDir, final boolean deleteLogDirOnClose) {
        final long startNanos = System.nanoTime();
        try {
            formatIfNeeded(logDir);
            for (int attempt = 1; ; attempt++) {
                final int clientPort = freePort();
                final int controllerPort = freePort();
                final KafkaConfig config = new KafkaConfig(brokerProperties(logDir, clientPort, controllerPort));
                final KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
                try {
                    server.startup();
                } catch (final RuntimeException e) {
                    shutdownQuietly(server);
                    if (attempt < START_ATTEMPTS && hasCause(e, BindException.class)) {
                        LOG.warn("Embedded Kafka broker could not bind port {} or {}, retrying with new ports",
                                clientPort, controllerPort);
                        continue;
                    }
                    throw e;
                }
                final String bootstrapServers = LOOPBACK + ":" + clientPort;
                LOG.info("Embedded Kafka broker started: bootstrapServers=[{}] logDir=[{}] startupMs=[{}]",
                        bootstrapServers, logDir, (System.nanoTime() - startNanos) / 1_000_000);
                return new EmbeddedKafkaBroker(server, logDir, deleteLogDirOnClose, bootstrapServers);
            }
        } catch (final RuntimeException e) {
            if (deleteLogDirOnClose) {
                deleteRecursively(logDir);
            }
            throw new IllegalStateException("embedded Kafka broker failed to start on " + logDir, e);
        }
    }

    /** Writes meta.properties and the bootstrap metadata, as {@code kafka-storage.sh format} does. */
    private static void formatIfNeeded(final Path logDir) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        final Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setControllerListenerName(CONTROLLER_LISTENER);
        try {
            formatter.run();
        } catch (final Exception e) {
            throw new IllegalStateException("cannot format the broker log directory " + logDir, e);
        }
    }

    private static Map<String, String> brokerProperties(final Path logDir, final int clientPort,
            final int controllerPort) {
        final Map<String, String> props = new HashMap<>();

        // KRaft combined mode with a static quorum of this one node.
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", CLIENT_LISTENER);
        props.put("listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + clientPort + ","
                + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        props.put("advertised.listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + clientPort);
        props.put("listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("log.dirs", logDir.toString());

        // One node: every replication factor and minimum ISR is 1, and internal topics are small so that the
        // first consumer group and the first transaction do not wait for dozens of partitions to load.
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "4");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("share.coordinator.state.topic.num.partitions", "1");
        props.put("group.initial.rebalance.delay.ms", "0");

        // Few threads: tests and the demo run on small machines next to other JVMs.
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("background.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("log.cleaner.threads", "1");
        return props;
    }

    /**
     * Returns a port that was free on 127.0.0.1 a moment ago. Another process can take it before the broker
     * binds it, so {@link #start(Path, boolean)} retries on that {@link BindException}.
     */
    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
        }
    }

    private static boolean hasCause(final Throwable error, final Class<? extends Throwable> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    private static void shutdownQuietly(final KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (final RuntimeException e) {
            LOG.warn("Embedded Kafka broker did not shut down cleanly after a failed start", e);
        }
    }

    /** Returns the client listener's address as {@code 127.0.0.1:PORT}. */
    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Returns the broker's log directory, which contains its metadata log and every topic's partitions. */
    public Path logDir() {
        return logDir;
    }

    /** Stops the broker and deletes its storage unless the caller passed a directory to keep. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        final long stopNanos = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (deleteLogDirOnClose) {
                deleteRecursively(logDir);
            }
        }
        LOG.info("Embedded Kafka broker stopped: bootstrapServers=[{}] shutdownMs=[{}]",
                bootstrapServers, (System.nanoTime() - stopNanos) / 1_000_000);
    }

    private static void deleteRecursively(final Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (final IOException e) {
                    LOG.warn("Cannot delete {} of the embedded broker's storage", path, e);
                }
            });
        } catch (final IOException e) {
            LOG.warn("Cannot delete the embedded broker's storage {}", root, e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers + "]";
    }
}
