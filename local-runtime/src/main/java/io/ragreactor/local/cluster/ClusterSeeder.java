package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ragreactor.local.seed.ApiSeed;
import io.ragreactor.local.seed.PodSeed;
import io.ragreactor.local.seed.ShardSeed;
import io.ragreactor.local.seed.StackSeed;
import io.ragreactor.local.seed.VectorstoreSeed;
import io.ragreactor.local.seed.WorkloadKind;
import io.ragreactor.local.seed.WorkloadSeed;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the seed's resources in the simulated API. These are the shards with their PVCs and recorded index, the
 * workloads with a Ready pod or with the seeded pods as they are, the RAG API and its settings, and the failed
 * migration Job.
 */
final class ClusterSeeder {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);

    private static final String PART_OF_LABEL = "app.kubernetes.io/part-of";
    private static final String PART_OF = "rag";
    private static final String INDEX_CLAIM_SIZE = "10Gi";
    private static final String API_SETTINGS_VOLUME = "settings";
    private static final String API_SETTINGS_PATH = "/etc/rag-api";

    private final KubernetesClient client;
    private final StackSeed seed;
    private final VolumeIndexes indexes;
    private final TemplateRevisions revisions;

    ClusterSeeder(final KubernetesClient client, final StackSeed seed, final VolumeIndexes indexes,
            final TemplateRevisions revisions) {
        this.client = client;
        this.seed = seed;
        this.indexes = indexes;
        this.revisions = revisions;
    }

    void seed() {
        final String namespace = seed.namespace();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .create();
        seedShardRegistry();
        for (final ShardSeed shard : seed.vectorstore().shards()) {
            seedShard(shard);
        }
        for (final WorkloadSeed workload : seed.workloads()) {
            final List<PodSeed> pods = seed.bootstrap().map(bootstrap -> bootstrap.podsOf(workload.name()))
                    .orElse(List.of());
            if (pods.isEmpty()) {
                seedWorkload(workload);
            } else {
                seedWorkloadWithPods(workload, pods);
            }
        }
        seed.api().ifPresent(this::seedApi);
        seed.bootstrap().ifPresent(bootstrap -> bootstrap.failedJob().ifPresent(
                job -> new FailedJobSeeder(client, namespace, bootstrap.migrationImage()).seed(job)));
        LOG.info("seeded namespace {} with {} workloads and shards {}{}{}", namespace, seed.workloads().size(),
                seed.shardNames(), seed.api().map(api -> ", API " + api.deployment()).orElse(""),
                seed.bootstrap().map(bootstrap -> ", schema version " + bootstrap.schemaVersion() + " of required "
                        + bootstrap.requiredSchemaVersion()).orElse(""));
    }

    private void seedShardRegistry() {
        final Map<String, String> data = new LinkedHashMap<>();
        for (final String shard : seed.shardNames()) {
            data.put(shard, "healthy");
        }
        for (final String shard : seed.shardNames()) {
            data.put("replicas." + shard, "");
        }
        client.configMaps().inNamespace(seed.namespace()).resource(new ConfigMapBuilder()
                .withNewMetadata()
                .withName(seed.shardRegistryConfigMap())
                .withNamespace(seed.namespace())
                .addToLabels(PART_OF_LABEL, PART_OF)
                .endMetadata()
                .withData(data)
                .build()).create();
    }

    private void seedShard(final ShardSeed shard) {
        final VectorstoreSeed vectorstore = seed.vectorstore();
        final String claim = vectorstore.indexClaimName(shard.name());
        final VolumeIndex index = new VolumeIndex(shard.index(), seed.documentsOf(shard.name()), "seed");
        indexes.put(seed.namespace(), claim, index);
        client.persistentVolumeClaims().inNamespace(seed.namespace()).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(claim)
                .withNamespace(seed.namespace())
                .withLabels(vectorstore.podLabels(shard.name()))
                .addToAnnotations(SimulatedCluster.INDEX_ANNOTATION, index.state().label())
                .addToAnnotations(SimulatedCluster.INDEX_ORIGIN_ANNOTATION, index.origin())
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity(INDEX_CLAIM_SIZE)).endResources()
                .endSpec()
                .withNewStatus()
                .withPhase("Bound")
                .withAccessModes("ReadWriteOnce")
                .addToCapacity("storage", new Quantity(INDEX_CLAIM_SIZE))
                .endStatus()
                .build()).create();

        final Container container = new ContainerBuilder()
                .withName(vectorstore.container())
                .withImage(vectorstore.image())
                .withArgs("serve", "--shard", shard.name(), "--index", vectorstore.mountPath())
                .addNewVolumeMount().withName(vectorstore.indexVolume()).withMountPath(vectorstore.mountPath()).endVolumeMount()
                .build();
        final Volume volume = new VolumeBuilder()
                .withName(vectorstore.indexVolume())
                .withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim()
                .build();
        createDeploymentWithPod(vectorstore.deploymentName(shard.name()), vectorstore.podLabels(shard.name()), container,
                List.of(volume));
        LOG.info("seeded shard {}: pvc=[{}] index=[{}] documents=[{}]", shard.name(), claim, index.state().label(),
                index.documents().size());
    }

    /** Creates a workload with one container named like it and one Ready pod {@code <name>-0}. */
    private void seedWorkload(final WorkloadSeed workload) {
        final Container container = new ContainerBuilder()
                .withName(workload.name())
                .withImage(workload.image())
                .build();
        if (workload.kind() == WorkloadKind.DEPLOYMENT) {
            createDeploymentWithPod(workload.name(), workload.selector(), container, List.of());
            return;
        }
        final StatefulSet created = createStatefulSet(workload, template(workload.selector(), container, List.of()),
                null);
        final String revision = StatefulSetController.currentRevision(created, revisions);
        final PodSpec spec = new PodSpecBuilder(created.getSpec().getTemplate().getSpec())
                .withHostname(workload.name() + "-0")
                .withSubdomain(workload.name())
                .build();
        final Map<String, String> labels = new LinkedHashMap<>(created.getSpec().getTemplate().getMetadata().getLabels());
        labels.put(StatefulSetController.REVISION_LABEL, revision);
        labels.put(StatefulSetController.POD_NAME_LABEL, workload.name() + "-0");
        createReadyPod(workload.name() + "-0", labels, owner("apps/v1", "StatefulSet", workload.name(),
                created.getMetadata().getUid()), spec);
    }

    /**
     * Creates a workload whose pod template is the first seeded pod's spec and labels, names that template by the
     * seeded pods' revision, and creates the seeded pods as they are. A pod without owner references is given one
     * to the workload, through the ReplicaSet its revision names for a Deployment.
     */
    private void seedWorkloadWithPods(final WorkloadSeed workload, final List<PodSeed> seeded) {
        final Pod first = Serialization.unmarshal(seeded.get(0).json(), Pod.class);
        final Map<String, String> templateLabels = new LinkedHashMap<>(first.getMetadata().getLabels());
        templateLabels.remove(Pods.TEMPLATE_HASH_LABEL);
        templateLabels.remove(StatefulSetController.REVISION_LABEL);
        templateLabels.remove(StatefulSetController.POD_NAME_LABEL);
        final PodSpec templateSpec = new PodSpecBuilder(first.getSpec())
                .withNodeName(null)
                .withHostname(null)
                .withSubdomain(null)
                .build();
        final PodTemplateSpec template = new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(templateLabels).endMetadata()
                .withSpec(templateSpec)
                .build();
        final Optional<String> seededRevision = seeded.get(0).revision();

        final OwnerReference owner;
        if (workload.kind() == WorkloadKind.DEPLOYMENT) {
            final Deployment created = createDeployment(workload.name(), workload.selector(), template);
            final String computed = Pods.templateHash(created.getSpec().getTemplate());
            seededRevision.ifPresent(revision -> revisions.seed(seed.namespace(), "Deployment", workload.name(), computed,
                    revision));
            owner = owner("apps/v1", "ReplicaSet", workload.name() + "-" + DeploymentController.currentHash(created,
                    revisions), null);
        } else {
            final StatefulSet created = createStatefulSet(workload, template, uidOfOwner(first, "StatefulSet"));
            final String computed = workload.name() + "-" + Pods.templateHash(created.getSpec().getTemplate());
            seededRevision.ifPresent(revision -> revisions.seed(seed.namespace(), "StatefulSet", workload.name(),
                    computed, revision));
            owner = owner("apps/v1", "StatefulSet", workload.name(), created.getMetadata().getUid());
        }

        for (final PodSeed podSeed : seeded) {
            final Pod pod = Serialization.unmarshal(podSeed.json(), Pod.class);
            final PodBuilder builder = new PodBuilder(pod).editMetadata().withNamespace(seed.namespace()).endMetadata();
            if (pod.getMetadata().getOwnerReferences().isEmpty()) {
                builder.editMetadata().withOwnerReferences(owner).endMetadata();
                if (workload.kind() == WorkloadKind.DEPLOYMENT) {
                    builder.editMetadata().addToLabels(Pods.TEMPLATE_HASH_LABEL, podSeed.revision().orElseThrow())
                            .endMetadata();
                }
            }
            client.pods().inNamespace(seed.namespace()).resource(builder.build()).create();
            LOG.info("seeded pod {} of {} {} from {} ({})", podSeed.name(), workload.kind().kind(), workload.name(),
                    podSeed.file(), describe(pod));
        }
    }

    /** Creates the RAG API's settings ConfigMap, and its Deployment with one Ready pod that mounts the settings. */
    private void seedApi(final ApiSeed api) {
        client.configMaps().inNamespace(seed.namespace()).resource(new ConfigMapBuilder()
                .withNewMetadata()
                .withName(api.settingsConfigMap())
                .withNamespace(seed.namespace())
                .addToLabels(PART_OF_LABEL, PART_OF)
                .endMetadata()
                .withData(new LinkedHashMap<>(api.settings()))
                .build()).create();
        final Container container = new ContainerBuilder()
                .withName(api.container())
                .withImage(api.image())
                .addNewEnv().withName(api.providerEnv()).withValue(api.primaryProvider()).endEnv()
                .addNewVolumeMount().withName(API_SETTINGS_VOLUME).withMountPath(API_SETTINGS_PATH).withReadOnly(true)
                .endVolumeMount()
                .build();
        final Volume settings = new VolumeBuilder()
                .withName(API_SETTINGS_VOLUME)
                .withNewConfigMap().withName(api.settingsConfigMap()).endConfigMap()
                .build();
        createDeploymentWithPod(api.deployment(), Map.of(WorkloadSeed.NAME_LABEL, api.deployment()), container,
                List.of(settings));
        LOG.info("seeded API deployment {}: {}={} settings=[{}]", api.deployment(), api.providerEnv(),
                api.primaryProvider(), api.settingsConfigMap());
    }

    /** Creates the Deployment and its one pod, named {@code <deployment>-0}, already Running and Ready. */
    private void createDeploymentWithPod(final String name, final Map<String, String> selector,
            final Container container, final List<Volume> volumes) {
        final Deployment created = createDeployment(name, selector, template(selector, container, volumes));

        // The hash is taken from the stored Deployment so that the controller computes the same one.
        final Map<String, String> podLabels = new LinkedHashMap<>(created.getSpec().getTemplate().getMetadata().getLabels());
        podLabels.put(Pods.TEMPLATE_HASH_LABEL, Pods.templateHash(created.getSpec().getTemplate()));
        final PodSpec spec = new PodSpecBuilder(created.getSpec().getTemplate().getSpec()).build();
        createReadyPod(name + "-0", podLabels, owner("apps/v1", "Deployment", name, created.getMetadata().getUid()),
                spec);
    }

    private Deployment createDeployment(final String name, final Map<String, String> selector,
            final PodTemplateSpec template) {
        return client.apps().deployments().inNamespace(seed.namespace()).resource(new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(seed.namespace())
                .withLabels(withPartOf(selector))
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withTemplate(template)
                .endSpec()
                .build()).create();
    }

    private StatefulSet createStatefulSet(final WorkloadSeed workload, final PodTemplateSpec template,
            final String uid) {
        return client.apps().statefulSets().inNamespace(seed.namespace()).resource(new StatefulSetBuilder()
                .withNewMetadata()
                .withName(workload.name())
                .withNamespace(seed.namespace())
                .withUid(uid)
                .withLabels(withPartOf(workload.selector()))
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withServiceName(workload.name())
                .withPodManagementPolicy("OrderedReady")
                .withNewSelector().withMatchLabels(workload.selector()).endSelector()
                .withTemplate(template)
                .endSpec()
                .build()).create();
    }

    private void createReadyPod(final String name, final Map<String, String> labels, final OwnerReference owner,
            final PodSpec spec) {
        final Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(seed.namespace())
                .withLabels(labels)
                .withOwnerReferences(owner)
                .endMetadata()
                .withSpec(spec)
                .build();
        client.pods().inNamespace(seed.namespace()).resource(new PodBuilder(pod)
                .withStatus(PodStatuses.ready(pod, Instant.now()))
                .build()).create();
    }

    private static PodTemplateSpec template(final Map<String, String> selector, final Container container,
            final List<Volume> volumes) {
        return new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(withPartOf(selector)).endMetadata()
                .withNewSpec().withContainers(container).withVolumes(volumes).endSpec()
                .build();
    }

    private static Map<String, String> withPartOf(final Map<String, String> selector) {
        final Map<String, String> labels = new LinkedHashMap<>(selector);
        labels.put(PART_OF_LABEL, PART_OF);
        return labels;
    }

    static OwnerReference owner(final String apiVersion, final String kind, final String name, final String uid) {
        return new OwnerReferenceBuilder()
                .withApiVersion(apiVersion)
                .withKind(kind)
                .withName(name)
                .withUid(uid)
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    private static String uidOfOwner(final Pod pod, final String kind) {
        return pod.getMetadata().getOwnerReferences().stream()
                .filter(owner -> kind.equals(owner.getKind()))
                .map(OwnerReference::getUid)
                .findFirst()
                .orElse(null);
    }

    private static String describe(final Pod pod) {
        return pod.getStatus() == null ? "no status" : "phase " + pod.getStatus().getPhase();
    }
}
