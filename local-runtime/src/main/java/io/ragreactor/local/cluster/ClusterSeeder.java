package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.seed.ShardSeed;
import io.ragreactor.local.seed.StackSeed;
import io.ragreactor.local.seed.VectorstoreSeed;
import io.ragreactor.local.seed.WorkloadSeed;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the seed's resources in the simulated API and records the seeded index of every shard's PVC. */
final class ClusterSeeder {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);

    private static final String NAME_LABEL = "app.kubernetes.io/name";
    private static final String PART_OF_LABEL = "app.kubernetes.io/part-of";
    private static final String PART_OF = "rag";
    private static final String INDEX_CLAIM_SIZE = "10Gi";

    private final KubernetesClient client;
    private final StackSeed seed;
    private final VolumeIndexes indexes;

    ClusterSeeder(final KubernetesClient client, final StackSeed seed, final VolumeIndexes indexes) {
        this.client = client;
        this.seed = seed;
        this.indexes = indexes;
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
            final Map<String, String> selector = Map.of(NAME_LABEL, workload.name());
            final Container container = new ContainerBuilder()
                    .withName(workload.name())
                    .withImage(workload.image())
                    .build();
            createDeploymentWithPod(workload.name(), selector, container, List.of());
        }
        LOG.info("seeded namespace {} with {} workloads and shards {}", namespace, seed.workloads().size(),
                seed.shardNames());
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

    /** Creates the Deployment and its one pod, named {@code <deployment>-0}, already Running and Ready. */
    private void createDeploymentWithPod(final String name, final Map<String, String> selector,
            final Container container, final List<Volume> volumes) {
        final Map<String, String> labels = new LinkedHashMap<>(selector);
        labels.put(PART_OF_LABEL, PART_OF);
        final Deployment created = client.apps().deployments().inNamespace(seed.namespace()).resource(new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(seed.namespace())
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().withContainers(container).withVolumes(volumes).endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();

        // The hash is taken from the stored Deployment so that the controller computes the same one.
        final Map<String, String> podLabels = new LinkedHashMap<>(labels);
        podLabels.put(Pods.TEMPLATE_HASH_LABEL, Pods.templateHash(created.getSpec().getTemplate()));
        final PodSpec spec = new PodSpecBuilder(created.getSpec().getTemplate().getSpec()).build();
        client.pods().inNamespace(seed.namespace()).resource(new PodBuilder()
                .withNewMetadata()
                .withName(name + "-0")
                .withNamespace(seed.namespace())
                .withLabels(podLabels)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion("apps/v1")
                        .withKind("Deployment")
                        .withName(name)
                        .withUid(created.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .endMetadata()
                .withSpec(spec)
                .withStatus(Pods.readyStatus(spec, Instant.now()))
                .build()).create();
    }
}
