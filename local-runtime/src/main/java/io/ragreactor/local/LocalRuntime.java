package io.ragreactor.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import io.ragreactor.local.cluster.SimulatedCluster;
import io.ragreactor.local.cluster.SimulationTimings;
import io.ragreactor.local.pager.PagerEndpoint;
import io.ragreactor.local.retriever.RetrieverEndpoint;
import io.ragreactor.local.seed.SeedLoader;
import io.ragreactor.local.seed.StackSeed;
import io.ragreactor.local.snapshots.SnapshotSeeder;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole local stack in one call, every server on 127.0.0.1: a Kafka broker, a schema registry on it,
 * an S3 server holding the seeded snapshots, the simulated Kubernetes cluster with its controllers, the
 * simulated retriever's debug endpoint, and a pager that receives escalations. {@link #close()} stops them in
 * reverse order.
 */
public final class LocalRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRuntime.class);

    private final StackSeed seed;
    private final String bootstrapServers;
    private final EmbeddedSchemaRegistry registry;
    private final EmbeddedS3Server s3;
    private final SimulatedCluster cluster;
    private final RetrieverEndpoint retriever;
    private final PagerEndpoint pager;
    private final Deque<AutoCloseable> stopOrder;
    private boolean closed;

    private LocalRuntime(final StackSeed seed, final String bootstrapServers, final EmbeddedSchemaRegistry registry,
            final EmbeddedS3Server s3, final SimulatedCluster cluster, final RetrieverEndpoint retriever,
            final PagerEndpoint pager, final Deque<AutoCloseable> stopOrder) {
        this.seed = seed;
        this.bootstrapServers = bootstrapServers;
        this.registry = registry;
        this.s3 = s3;
        this.cluster = cluster;
        this.retriever = retriever;
        this.pager = pager;
        this.stopOrder = stopOrder;
    }

    /** Starts every part; when one fails to start, the parts already running are stopped before the error is thrown. */
    public static LocalRuntime start(final Options options) {
        Objects.requireNonNull(options, "options");
        final StackSeed loaded = options.seedFile().map(SeedLoader::load).orElseGet(SeedLoader::loadDefault);
        final StackSeed seed = options.brokenShards().map(loaded::withBrokenShards).orElse(loaded);

        // Each started part is pushed, so that a failure and close() stop them last-started first.
        final Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            final String bootstrapServers;
            if (options.externalBroker().isPresent()) {
                bootstrapServers = options.externalBroker().get();
            } else {
                final EmbeddedKafkaBroker broker = options.brokerDirectory()
                        .map(EmbeddedKafkaBroker::start)
                        .orElseGet(EmbeddedKafkaBroker::start);
                started.push(broker);
                bootstrapServers = broker.bootstrapServers();
            }
            final EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(bootstrapServers);
            started.push(registry);

            final EmbeddedS3Server s3 = EmbeddedS3Server.start();
            started.push(s3);
            final S3Client clusterS3 = s3.newClient();
            started.push(clusterS3);
            SnapshotSeeder.seed(clusterS3, seed);

            final SimulatedCluster cluster = SimulatedCluster.start(seed, options.timings(), clusterS3);
            started.push(cluster);
            final RetrieverEndpoint retriever = RetrieverEndpoint.start(cluster);
            started.push(retriever);
            final PagerEndpoint pager = PagerEndpoint.start();
            started.push(pager);
            LOG.info("local runtime started: kafka=[{}] schema-registry=[{}] s3=[{}] kubernetes=[{}] (simulated) "
                    + "retriever=[{}] (simulated) pager=[{}]", bootstrapServers, registry.url(), s3.endpoint(),
                    cluster.url(), retriever.url(), pager.url());
            return new LocalRuntime(seed, bootstrapServers, registry, s3, cluster, retriever, pager, started);
        } catch (final RuntimeException e) {
            stopAll(started);
            throw e;
        }
    }

    /** Returns the seed the stack was started from, with the broken-shard override applied. */
    public StackSeed seed() {
        return seed;
    }

    /** Returns the broker's {@code bootstrap.servers}, for example {@code 127.0.0.1:39092}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Returns the schema registry's URL. */
    public String schemaRegistryUrl() {
        return registry.url();
    }

    /** Returns the S3 endpoint, to be used with path-style addressing. */
    public URI s3Endpoint() {
        return s3.endpoint();
    }

    /** Returns the access key the S3 server accepts, a local credential. */
    public String s3AccessKey() {
        return s3.accessKey();
    }

    /** Returns the secret key the S3 server accepts, a local credential. */
    public String s3SecretKey() {
        return s3.secretKey();
    }

    /** Creates a client of the S3 server. The caller closes it. */
    public S3Client newS3Client() {
        return s3.newClient();
    }

    /** Returns the simulated Kubernetes API's URL, {@code http://127.0.0.1:PORT/}. */
    public String kubernetesUrl() {
        return cluster.url();
    }

    /** Creates an http client of the simulated Kubernetes API that defaults to the seed's namespace. The caller closes it. */
    public KubernetesClient newKubernetesClient() {
        return cluster.newClient();
    }

    /**
     * Returns the retriever's base URL, {@code http://127.0.0.1:PORT}, the form the runbook's retriever URL
     * takes; the debug endpoint is its {@code /debug/retrieve} path.
     */
    public String retrieverUrl() {
        return retriever.baseUrl();
    }

    /** Returns the local pager, the webhook receiver that escalation channels post to. */
    public PagerEndpoint pager() {
        return pager;
    }

    /** Returns the simulated cluster, whose state tests and the demo read. */
    public SimulatedCluster cluster() {
        return cluster;
    }

    /** Stops the pager, the retriever, the cluster, the S3 server, the registry and the broker, in that order. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAll(stopOrder);
        LOG.info("local runtime stopped");
    }

    private static void stopAll(final Deque<AutoCloseable> started) {
        while (!started.isEmpty()) {
            final AutoCloseable part = started.pop();
            try {
                part.close();
            } catch (final Exception e) {
                LOG.warn("failed to stop {}, stopping the remaining parts", part, e);
            }
        }
    }

    /** Start options of the runtime. {@link #defaults()} starts the shipped seed on fresh storage. */
    public static final class Options {

        private final Path seedFile;
        private final Set<String> brokenShards;
        private final Path brokerDirectory;
        private final SimulationTimings timings;
        private final String externalBroker;

        private Options(final Path seedFile, final Set<String> brokenShards, final Path brokerDirectory,
                final SimulationTimings timings, final String externalBroker) {
            this.seedFile = seedFile;
            this.brokenShards = brokenShards;
            this.brokerDirectory = brokerDirectory;
            this.timings = timings;
            this.externalBroker = externalBroker;
        }

        /** Returns options for the shipped seed with its shard states, a fresh broker directory and default timings. */
        public static Options defaults() {
            return new Options(null, null, null, SimulationTimings.defaults(), null);
        }

        /** Reads the seed from this YAML file instead of the shipped one. */
        public Options withSeedFile(final Path file) {
            return new Options(Objects.requireNonNull(file, "file"), brokenShards, brokerDirectory, timings, externalBroker);
        }

        /** Seeds exactly these shards with a broken index and every other shard with a healthy one. */
        public Options withBrokenShards(final Set<String> shards) {
            return new Options(seedFile, Set.copyOf(shards), brokerDirectory, timings, externalBroker);
        }

        /** Keeps the broker's storage in this directory across runs instead of a temporary one. */
        public Options withBrokerDirectory(final Path directory) {
            return new Options(seedFile, brokenShards, Objects.requireNonNull(directory, "directory"), timings,
                    externalBroker);
        }

        /** Sets the simulated controllers' period and delays. */
        public Options withTimings(final SimulationTimings simulationTimings) {
            return new Options(seedFile, brokenShards, brokerDirectory,
                    Objects.requireNonNull(simulationTimings, "simulationTimings"), externalBroker);
        }

        /**
         * Uses a broker that is already running, for example the one the test extension hands out, instead of
         * starting one; the runtime's registry then keeps its schemas on that broker.
         */
        public Options withExternalBroker(final String bootstrapServers) {
            return new Options(seedFile, brokenShards, brokerDirectory, timings,
                    Objects.requireNonNull(bootstrapServers, "bootstrapServers"));
        }

        /** Returns the running broker to use, when the runtime starts none of its own. */
        public Optional<String> externalBroker() {
            return Optional.ofNullable(externalBroker);
        }

        /** Returns the seed file, when it is not the shipped one. */
        public Optional<Path> seedFile() {
            return Optional.ofNullable(seedFile);
        }

        /** Returns the shards to seed broken, when they override the seed. */
        public Optional<Set<String>> brokenShards() {
            return Optional.ofNullable(brokenShards);
        }

        /** Returns the broker directory to keep, when there is one. */
        public Optional<Path> brokerDirectory() {
            return Optional.ofNullable(brokerDirectory);
        }

        /** Returns the simulated controllers' timings. */
        public SimulationTimings timings() {
            return timings;
        }
    }
}
