package io.ragreactor.actuators.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.common.JobSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Builds the Kubernetes resources of a restore: the new PVC, the restore Job and the JSON patch that points
 * the workload at the new PVC. Every resource carries the command id, so a re-delivered command finds them.
 */
final class RestoreResources {

    /** Label on every resource a command created, with the command id as value. */
    static final String COMMAND_ID_LABEL = "ragreactor.io/command-id";
    /** Annotation on the pod template naming the command that last pointed it at a volume. */
    static final String COMMAND_ID_ANNOTATION = "ragreactor.io/command-id";
    /** Annotation on the new PVC naming the snapshot restored into it. */
    static final String SNAPSHOT_ANNOTATION = "ragreactor.io/snapshot";
    static final String CONTAINER_NAME = "restore";
    static final String TARGET_VOLUME = "restore-target";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RestoreResources() {
    }

    /** Returns 8 hex characters of the SHA-256 of the command id: the name suffix that makes a re-delivery find the same resources. */
    static String suffixOf(final String commandId) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(commandId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static String pvcName(final RestoreSnapshot action, final String commandId) {
        return action.getPvcNamePrefix() + "-" + suffixOf(commandId);
    }

    static String jobName(final RestoreSnapshot action, final String commandId) {
        return action.getJob().getNamePrefix() + "-" + suffixOf(commandId);
    }

    static PersistentVolumeClaim pvc(final RestoreSnapshot action, final String name, final String commandId,
                                     final String snapshotUri) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(action.getNamespace())
                .addToLabels(COMMAND_ID_LABEL, commandId)
                .addToAnnotations(SNAPSHOT_ANNOTATION, snapshotUri)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(action.getStorageClassName())
                .withNewResources()
                .addToRequests("storage", new Quantity(action.getStorageSize()))
                .endResources()
                .endSpec()
                .build();
    }

    static Job job(final RestoreSnapshot action, final String name, final String pvcName, final String commandId,
                   final String snapshotUri) {
        final JobSpec spec = action.getJob();
        // The snapshot variable wins over a variable of the same name in the Job spec.
        final Map<String, String> env = new TreeMap<>(spec.getEnv());
        env.put(action.getSnapshotEnvVar(), snapshotUri);
        final List<EnvVar> envVars = new ArrayList<>();
        env.forEach((key, value) -> envVars.add(new EnvVar(key, value, null)));
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(action.getNamespace())
                .addToLabels(COMMAND_ID_LABEL, commandId)
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(spec.getBackoffLimit())
                .withActiveDeadlineSeconds(spec.getActiveDeadlineSeconds())
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels(COMMAND_ID_LABEL, commandId)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName(CONTAINER_NAME)
                .withImage(spec.getImage())
                .withCommand(spec.getCommand())
                .withEnv(envVars)
                .addNewVolumeMount()
                .withName(TARGET_VOLUME)
                .withMountPath(action.getMountPath())
                .endVolumeMount()
                .endContainer()
                .addNewVolume()
                .withName(TARGET_VOLUME)
                .withNewPersistentVolumeClaim()
                .withClaimName(pvcName)
                .endPersistentVolumeClaim()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** Returns the snapshot URI an existing restore Job was given, or null when it has none. */
    static String snapshotUriOf(final Job job, final String envName) {
        if (job.getSpec() == null || job.getSpec().getTemplate() == null || job.getSpec().getTemplate().getSpec() == null) {
            return null;
        }
        return job.getSpec().getTemplate().getSpec().getContainers().stream()
                .flatMap(c -> c.getEnv() == null ? Stream.<EnvVar>empty() : c.getEnv().stream())
                .filter(e -> envName.equals(e.getName()))
                .map(EnvVar::getValue)
                .findFirst()
                .orElse(null);
    }

    /** Returns the command id label of a resource, or null. */
    static String commandIdOf(final HasMetadata resource) {
        final ObjectMeta metadata = resource.getMetadata();
        return metadata == null || metadata.getLabels() == null ? null : metadata.getLabels().get(COMMAND_ID_LABEL);
    }

    /**
     * Builds a JSON patch (RFC 6902) that replaces the pod template volume at {@code index} with a claim of
     * {@code pvcName} and annotates the template with the command id. Its first operation tests the volume's
     * name, so the patch fails instead of replacing another volume when the list changed since it was read.
     */
    static String repointPatch(final Deployment deployment, final int index, final String volumeName,
                               final String pvcName, final String commandId) {
        final ArrayNode patch = JSON.createArrayNode();
        final String volumePath = "/spec/template/spec/volumes/" + index;
        patch.addObject().put("op", "test").put("path", volumePath + "/name").put("value", volumeName);
        final ObjectNode volume = patch.addObject().put("op", "replace").put("path", volumePath).putObject("value");
        volume.put("name", volumeName);
        volume.putObject("persistentVolumeClaim").put("claimName", pvcName);

        final ObjectMeta templateMeta = deployment.getSpec().getTemplate().getMetadata();
        if (templateMeta == null) {
            patch.addObject().put("op", "add").put("path", "/spec/template/metadata").putObject("value")
                    .putObject("annotations").put(COMMAND_ID_ANNOTATION, commandId);
        } else if (templateMeta.getAnnotations() == null) {
            patch.addObject().put("op", "add").put("path", "/spec/template/metadata/annotations").putObject("value")
                    .put(COMMAND_ID_ANNOTATION, commandId);
        } else {
            // JSON pointer escapes '/' in the annotation key as "~1".
            patch.addObject().put("op", "add")
                    .put("path", "/spec/template/metadata/annotations/" + COMMAND_ID_ANNOTATION.replace("/", "~1"))
                    .put("value", commandId);
        }
        return patch.toString();
    }
}
