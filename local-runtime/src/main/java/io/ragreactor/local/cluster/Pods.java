package io.ragreactor.local.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Helpers that read pod state and hash pod templates the way the simulated workload controllers need it. */
final class Pods {

    /** Label that ties a pod to the template revision it was created from, as in Kubernetes. */
    static final String TEMPLATE_HASH_LABEL = "pod-template-hash";

    /** Newest first: later creation time, then name, so the choice is the same on every call. */
    static final Comparator<Pod> NEWEST_FIRST = Comparator
            .comparing((Pod pod) -> creationTime(pod)).reversed()
            .thenComparing(pod -> pod.getMetadata().getName(), Comparator.reverseOrder());

    // Map keys sorted so that the hash does not depend on the order of labels or annotations in the JSON.
    private static final ObjectMapper CANONICAL_JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private Pods() {
    }

    /** Hashes the pod template's content into a short label value that changes whenever the template does. */
    static String templateHash(final PodTemplateSpec template) {
        try {
            final Object tree = CANONICAL_JSON.readValue(Serialization.asJson(template), Object.class);
            final byte[] canonical = CANONICAL_JSON.writeValueAsBytes(tree);
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(digest, 0, 5);
        } catch (final JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("failed to hash a pod template", e);
        }
    }

    /** Returns whether the pod is Running, Ready and not being deleted. */
    static boolean isReady(final Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
            return false;
        }
        if (!"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        return pod.getStatus().getConditions().stream()
                .anyMatch(condition -> "Ready".equals(condition.getType()) && "True".equals(condition.getStatus()));
    }

    /** Returns the claim of the pod volume with that name, if the volume exists and is a persistentVolumeClaim. */
    static Optional<String> claimOfVolume(final PodSpec spec, final String volumeName) {
        if (spec == null) {
            return Optional.empty();
        }
        return spec.getVolumes().stream()
                .filter(volume -> volumeName.equals(volume.getName()))
                .map(Volume::getPersistentVolumeClaim)
                .filter(Objects::nonNull)
                .map(claim -> claim.getClaimName())
                .findFirst();
    }

    /** Lists the claims of every persistentVolumeClaim volume of the pod spec. */
    static List<String> claims(final PodSpec spec) {
        final List<String> claims = new ArrayList<>();
        if (spec != null) {
            for (final Volume volume : spec.getVolumes()) {
                if (volume.getPersistentVolumeClaim() != null) {
                    claims.add(volume.getPersistentVolumeClaim().getClaimName());
                }
            }
        }
        return claims;
    }

    /** Returns where the container mounts the named volume, if it does. */
    static Optional<String> mountPath(final Container container, final String volumeName) {
        return container.getVolumeMounts().stream()
                .filter(mount -> volumeName.equals(mount.getName()))
                .map(VolumeMount::getMountPath)
                .findFirst();
    }

    /**
     * Returns whether the pod belongs to the Deployment: it names the Deployment as its owner, as the pods this
     * simulation creates do, or the ReplicaSet {@code <deployment>-<pod-template-hash>}, as pods of a real cluster do.
     */
    static boolean isOwnedByDeployment(final Pod pod, final String deployment) {
        final String hash = templateHashLabel(pod);
        return isOwnedBy(pod, "Deployment", deployment)
                || hash != null && isOwnedBy(pod, "ReplicaSet", deployment + "-" + hash);
    }

    /**
     * Returns the name of the Deployment or StatefulSet that owns the pod: the owner itself, or for a ReplicaSet
     * owner {@code <deployment>-<pod-template-hash>} the Deployment its name starts with.
     */
    static Optional<String> workloadName(final Pod pod) {
        final String hash = templateHashLabel(pod);
        for (final OwnerReference owner : pod.getMetadata().getOwnerReferences()) {
            if ("Deployment".equals(owner.getKind()) || "StatefulSet".equals(owner.getKind())) {
                return Optional.ofNullable(owner.getName());
            }
            if ("ReplicaSet".equals(owner.getKind()) && hash != null && owner.getName() != null
                    && owner.getName().endsWith("-" + hash)) {
                return Optional.of(owner.getName().substring(0, owner.getName().length() - hash.length() - 1));
            }
        }
        return Optional.empty();
    }

    /** Returns whether the resource lists an owner of that kind and name among its owner references. */
    static boolean isOwnedBy(final HasMetadata resource, final String kind, final String name) {
        for (final OwnerReference owner : resource.getMetadata().getOwnerReferences()) {
            if (kind.equals(owner.getKind()) && name.equals(owner.getName())) {
                return true;
            }
        }
        return false;
    }

    private static String templateHashLabel(final Pod pod) {
        final Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(TEMPLATE_HASH_LABEL);
    }

    private static Instant creationTime(final Pod pod) {
        final String timestamp = pod.getMetadata().getCreationTimestamp();
        if (timestamp == null) {
            return Instant.EPOCH;
        }
        try {
            return Instant.parse(timestamp);
        } catch (final java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
