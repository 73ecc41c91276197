package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.ragreactor.local.seed.BootstrapSeed;
import io.ragreactor.local.seed.IndexState;
import io.ragreactor.local.seed.StackSeed;
import io.ragreactor.local.snapshots.SnapshotReader;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A simulated Kubernetes cluster for the demo and the tests: fabric8's mock API server in CRUD mode on
 * 127.0.0.1, seeded with the RAG stack. Pod exec results and pod logs come from the simulation's state, and
 * controllers bind PVCs, run restore and migration Jobs, roll out Deployments and StatefulSets, and hold back the
 * pods that need a newer database schema. It is not a real cluster, so every log line it writes goes to the
 * logger {@value #LOGGER_NAME}.
 */
public final class SimulatedCluster implements AutoCloseable {

    /** Logger name of every line about the simulated cluster, so that no one takes it for a real one. */
    public static final String LOGGER_NAME = "simulated-cluster";

    /** PVC annotation that mirrors the simulated index state, {@code healthy} or {@code broken}. */
    public static final String INDEX_ANNOTATION = "sim.ragreactor.io/index";

    /** PVC annotation that names where the simulated index came from, for example {@code restored from s3://...}. */
    public static final String INDEX_ORIGIN_ANNOTATION = "sim.ragreactor.io/index-origin";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    // The mock web server logs every request at INFO through java.util.logging. The strong reference keeps the
    // quieter level, because an unreferenced logger can be garbage collected and recreated at INFO.
    private static final java.util.logging.Logger MOCK_SERVER_LOG =
            java.util.logging.Logger.getLogger(MockWebServer.class.getName());

    private final StackSeed seed;
    private final VolumeIndexes indexes;
    private final SchemaState schema;
    private final TemplateRevisions revisions;
    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final ScheduledExecutorService controllers;
    private final Map<String, Integer> repeatedErrors = new ConcurrentHashMap<>();

    private SimulatedCluster(final StackSeed seed, final VolumeIndexes indexes, final SchemaState schema,
            final TemplateRevisions revisions, final KubernetesMockServer server, final KubernetesClient client,
            final ScheduledExecutorService controllers) {
        this.seed = seed;
        this.indexes = indexes;
        this.schema = schema;
        this.revisions = revisions;
        this.server = server;
        this.client = client;
        this.controllers = controllers;
    }

    /**
     * Starts the API server on an ephemeral port of 127.0.0.1, creates the seed's resources and starts the
     * controllers.
     *
     * @param s3 the client restore Jobs read snapshots with; null when the simulation has no S3, in which case
     *     every restore leaves a broken index
     */
    public static SimulatedCluster start(final StackSeed seed, final SimulationTimings timings, final S3Client s3) {
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
        final VolumeIndexes indexes = new VolumeIndexes();
        final SchemaState schema = seed.bootstrap()
                .map(bootstrap -> new SchemaState(bootstrap.schemaVersion(), bootstrap.requiredSchemaVersion()))
                .orElseGet(() -> new SchemaState(0, 0));
        final TemplateRevisions revisions = new TemplateRevisions();
        final Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        final SimulatedApiDispatcher dispatcher = new SimulatedApiDispatcher(
                new KubernetesMixedDispatcher(expectations), new ExecSimulator(seed, indexes),
                new ContainerLogs(seed.bootstrap()));
        final KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
                new MockWebServer(), expectations, dispatcher, false);
        server.start(loopback(), 0);
        KubernetesClient client = null;
        ScheduledExecutorService controllers = null;
        try {
            client = newClient(url(server), seed.namespace());
            new ClusterSeeder(client, seed, indexes, revisions).seed();
            controllers = Executors.newSingleThreadScheduledExecutor(runnable -> {
                final Thread thread = new Thread(runnable, "simulated-cluster-controllers");
                thread.setDaemon(true);
                return thread;
            });
            final SimulatedCluster cluster = new SimulatedCluster(seed, indexes, schema, revisions, server, client,
                    controllers);
            cluster.startControllers(timings, s3);
            LOG.info("simulated cluster serving the Kubernetes API at {} (namespace {})", cluster.url(),
                    seed.namespace());
            return cluster;
        } catch (final RuntimeException e) {
            if (controllers != null) {
                controllers.shutdownNow();
            }
            if (client != null) {
                client.close();
            }
            server.shutdown();
            throw e;
        }
    }

    private void startControllers(final SimulationTimings timings, final S3Client s3) {
        final PersistentVolumeClaimController claims = new PersistentVolumeClaimController(client, indexes);
        final JobController jobs = new JobController(client, indexes, seed.restore(),
                Optional.ofNullable(s3).map(SnapshotReader::new),
                seed.bootstrap().map(BootstrapSeed::migrationImage), schema, timings);
        final SimulatedKubelet kubelet = new SimulatedKubelet(client, seed.bootstrap(), schema, timings);
        final DeploymentController deployments = new DeploymentController(client, kubelet, revisions);
        final StatefulSetController statefulSets = new StatefulSetController(client, kubelet, revisions);
        final long period = timings.controllerPeriod().toMillis();
        controllers.scheduleWithFixedDelay(() -> {
            // PVCs first, so that a restore Job and a pod started in the same pass find their claim registered.
            // Jobs before workloads, so that pods restarting in the pass a migration completes see the new schema.
            runControllerPass("pvc", claims::reconcile);
            runControllerPass("job", jobs::reconcile);
            runControllerPass("deployment", deployments::reconcile);
            runControllerPass("statefulset", statefulSets::reconcile);
            runControllerPass("kubelet", kubelet::forgetDeletedPods);
        }, 0, Math.max(1, period), TimeUnit.MILLISECONDS);
    }

    private void runControllerPass(final String controller, final Runnable pass) {
        try {
            pass.run();
        } catch (final RuntimeException e) {
            if (controllers.isShutdown()) {
                // A pass that fails while close() stops the controllers shows no fault of the simulation.
                return;
            }
            if (e instanceof KubernetesClientException clientException
                    && clientException.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                // Someone changed the resource between the pass's read and write, as happens in a real cluster too.
                LOG.debug("{} controller pass hit a conflicting change, retrying on the next pass: {}", controller,
                        e.getMessage());
                return;
            }
            // A pass runs every few hundred milliseconds: log the first failure and then every hundredth.
            final int count = repeatedErrors.merge(controller + ":" + e.getMessage(), 1, Integer::sum);
            if (count == 1 || count % 100 == 0) {
                LOG.warn("{} controller pass failed (seen {} times), retrying on the next pass: {}", controller, count,
                        e.toString());
            }
        }
    }

    /** Returns the API server's URL, {@code http://127.0.0.1:PORT/}. */
    public String url() {
        return url(server);
    }

    /** Returns the seed the cluster was started from. */
    public StackSeed seed() {
        return seed;
    }

    /** Creates a client of the simulated API that defaults to the seed's namespace. The caller closes it. */
    public KubernetesClient newClient() {
        return newClient(url(), seed.namespace());
    }

    /** Returns the database schema version of the simulated stack; a migration Job raises it to the required one. */
    public int schemaVersion() {
        return schema.version();
    }

    /** Returns the schema version the seed's blocked containers require to start; 0 when the seed has no bootstrap section. */
    public int requiredSchemaVersion() {
        return schema.required();
    }

    /** Returns the index on a PVC of the seed's namespace, or empty when the simulation has no record of the PVC. */
    public Optional<VolumeIndex> index(final String claim) {
        return index(seed.namespace(), claim);
    }

    /** Returns the index on a PVC, or empty when the simulation has no record of the PVC. */
    public Optional<VolumeIndex> index(final String namespace, final String claim) {
        return indexes.get(namespace, claim);
    }

    /** Returns the index state of a PVC of the seed's namespace, or empty when the simulation has no record of the PVC. */
    public Optional<IndexState> indexState(final String claim) {
        return index(claim).map(VolumeIndex::state);
    }

    /** Lists the names of the PVCs that exist in the seed's namespace, sorted. */
    public List<String> persistentVolumeClaims() {
        return client.persistentVolumeClaims().inNamespace(seed.namespace()).list().getItems().stream()
                .map(PersistentVolumeClaim::getMetadata)
                .map(metadata -> metadata.getName())
                .sorted()
                .toList();
    }

    /**
     * Finds the Ready pod that serves the shard. Among Ready pods with the shard's pod labels, one of the
     * Deployment's current template wins, because during a rollout the old pod stays Ready for a moment.
     */
    public Optional<Pod> currentPod(final String shard) {
        final Deployment deployment = client.apps().deployments().inNamespace(seed.namespace())
                .withName(seed.vectorstore().deploymentName(shard)).get();
        final String currentHash = deployment == null ? null : DeploymentController.currentHash(deployment, revisions);
        final Comparator<Pod> currentTemplateFirst = Comparator.comparing(
                (Pod pod) -> !Objects.equals(currentHash, pod.getMetadata().getLabels().get(Pods.TEMPLATE_HASH_LABEL)));
        return client.pods().inNamespace(seed.namespace())
                .withLabels(seed.vectorstore().podLabels(shard))
                .list().getItems().stream()
                .filter(Pods::isReady)
                .sorted(currentTemplateFirst.thenComparing(Pods.NEWEST_FIRST))
                .findFirst();
    }

    /** Returns the PVC that a pod mounts as its index volume, if it has one. */
    public Optional<String> indexClaim(final Pod pod) {
        return Pods.claimOfVolume(pod.getSpec(), seed.vectorstore().indexVolume());
    }

    /** Resolves what serves the shard now: its current pod, that pod's index PVC and the index on it. */
    public ShardIndex shardIndex(final String shard) {
        final Optional<Pod> pod = currentPod(shard);
        final Optional<String> claim = pod.flatMap(this::indexClaim);
        final Optional<VolumeIndex> index = claim.flatMap(name -> indexes.get(seed.namespace(), name));
        return new ShardIndex(shard, pod, claim, index);
    }

    /** Stops the controllers, the client and the API server. */
    @Override
    public void close() {
        // A running pass finishes its API calls first: interrupting them leaves the HTTP client failing requests
        // while it closes.
        controllers.shutdown();
        try {
            if (!controllers.awaitTermination(5, TimeUnit.SECONDS)) {
                controllers.shutdownNow();
                LOG.warn("controllers did not stop within 5 s, interrupted them");
            }
        } catch (final InterruptedException e) {
            controllers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        client.close();
        server.shutdown();
        LOG.info("simulated cluster stopped");
    }

    private static KubernetesClient newClient(final String url, final String namespace) {
        final Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl(url)
                .withNamespace(namespace)
                .withTrustCerts(true)
                .withHttp2Disable(true)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static String url(final KubernetesMockServer server) {
        return "http://127.0.0.1:" + server.getPort() + "/";
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName("127.0.0.1");
        } catch (final UnknownHostException e) {
            throw new IllegalStateException("127.0.0.1 did not resolve", e);
        }
    }
}
