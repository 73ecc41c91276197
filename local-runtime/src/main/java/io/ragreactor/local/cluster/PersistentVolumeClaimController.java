package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds every PVC, gives a PVC that nothing was restored into a broken (empty) index, and mirrors each
 * PVC's index state into its annotations so that operators can see it with kubectl.
 */
final class PersistentVolumeClaimController {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);

    private final KubernetesClient client;
    private final VolumeIndexes indexes;

    PersistentVolumeClaimController(final KubernetesClient client, final VolumeIndexes indexes) {
        this.client = client;
        this.indexes = indexes;
    }

    void reconcile() {
        final Set<String> existing = new HashSet<>();
        for (final PersistentVolumeClaim claim : client.persistentVolumeClaims().inAnyNamespace().list().getItems()) {
            final String namespace = claim.getMetadata().getNamespace();
            final String name = claim.getMetadata().getName();
            existing.add(VolumeIndexes.key(namespace, name));
            final VolumeIndex index = indexes.putIfAbsent(namespace, name,
                    VolumeIndex.broken("created empty, never restored into"));
            bind(claim);
            mirror(claim, index);
        }
        for (final String removed : indexes.retainOnly(existing)) {
            LOG.info("pvc=[{}] was deleted, its index is gone", removed);
        }
    }

    private void bind(final PersistentVolumeClaim claim) {
        if (claim.getStatus() != null && "Bound".equals(claim.getStatus().getPhase())) {
            return;
        }
        final Map<String, Quantity> requested = claim.getSpec() == null || claim.getSpec().getResources() == null
                ? Map.of()
                : claim.getSpec().getResources().getRequests();
        client.persistentVolumeClaims()
                .inNamespace(claim.getMetadata().getNamespace())
                .withName(claim.getMetadata().getName())
                .editStatus(current -> new PersistentVolumeClaimBuilder(current)
                        .editOrNewStatus()
                        .withPhase("Bound")
                        .withAccessModes(current.getSpec() == null ? null : current.getSpec().getAccessModes())
                        .withCapacity(requested)
                        .endStatus()
                        .build());
        LOG.info("pvc=[{}/{}] bound", claim.getMetadata().getNamespace(), claim.getMetadata().getName());
    }

    private void mirror(final PersistentVolumeClaim claim, final VolumeIndex index) {
        final Map<String, String> annotations = claim.getMetadata().getAnnotations();
        if (Objects.equals(annotations.get(SimulatedCluster.INDEX_ANNOTATION), index.state().label())
                && Objects.equals(annotations.get(SimulatedCluster.INDEX_ORIGIN_ANNOTATION), index.origin())) {
            return;
        }
        client.persistentVolumeClaims()
                .inNamespace(claim.getMetadata().getNamespace())
                .withName(claim.getMetadata().getName())
                .edit(current -> new PersistentVolumeClaimBuilder(current)
                        .editMetadata()
                        .addToAnnotations(SimulatedCluster.INDEX_ANNOTATION, index.state().label())
                        .addToAnnotations(SimulatedCluster.INDEX_ORIGIN_ANNOTATION, index.origin())
                        .endMetadata()
                        .build());
    }
}
