package io.ragreactor.local;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.seed.StackSeed;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Kubernetes side of a restore, done by hand the way the actuators do it: a new PVC, a restore Job
 * into it, the shard's Deployment pointed at it, and a wait for the new Ready pod.
 */
public final class RecoverySteps {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String COMMAND_ID_LABEL = "ragreactor.io/command-id";

    private final KubernetesClient client;
    private final StackSeed seed;

    public RecoverySteps(final KubernetesClient client, final StackSeed seed) {
        this.client = client;
        this.seed = seed;
    }

    /** Creates an empty PVC named {@code <prefix>-<8 hex>} and returns its name. */
    public String createClaim(final String prefix, final String commandId) {
        final byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        final String name = prefix + "-" + HexFormat.of().formatHex(random);
        client.persistentVolumeClaims().resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).addToLabels(COMMAND_ID_LABEL, commandId).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity("10Gi")).endResources()
                .endSpec()
                .build()).create();
        return name;
    }

    /** Creates a restore Job copying the snapshot URI into the claim and waits for its Complete condition. */
    public void restoreAndWait(final String jobName, final String snapshotUri, final String claim) {
        client.batch().v1().jobs().resource(new JobBuilder()
                .withNewMetadata().withName(jobName).addToLabels(COMMAND_ID_LABEL, jobName).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withNewTemplate()
                .withNewSpec()
                .withRestartPolicy("Never")
                .addNewContainer()
                .withName("restore")
                .withImage(seed.restore().image())
                .addNewEnv().withName(seed.restore().snapshotEnv()).withValue(snapshotUri).endEnv()
                .addNewVolumeMount().withName("target").withMountPath("/restore").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("target").withNewPersistentVolumeClaim().withClaimName(claim)
                .endPersistentVolumeClaim().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build()).create();
        await().atMost(TIMEOUT).until(() -> isComplete(client.batch().v1().jobs().withName(jobName).get()));
    }

    /** Points the shard Deployment's index volume at the claim and waits for a Ready pod that mounts it. */
    public Pod repointAndWait(final String shard, final String claim) {
        final String indexVolume = seed.vectorstore().indexVolume();
        client.apps().deployments().withName(seed.vectorstore().deploymentName(shard))
                .edit(deployment -> new DeploymentBuilder(deployment)
                        .editSpec().editTemplate().editSpec()
                        .editMatchingVolume(volume -> indexVolume.equals(volume.getName()))
                        .editPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim()
                        .endVolume()
                        .endSpec().endTemplate().endSpec()
                        .build());
        final Map<String, String> labels = seed.vectorstore().podLabels(shard);
        return await().atMost(TIMEOUT).until(
                () -> client.pods().withLabels(labels).list().getItems().stream()
                        .filter(RecoverySteps::isReady)
                        .filter(pod -> pod.getSpec().getVolumes().stream()
                                .anyMatch(volume -> volume.getPersistentVolumeClaim() != null
                                        && claim.equals(volume.getPersistentVolumeClaim().getClaimName())))
                        .findFirst().orElse(null),
                pod -> pod != null);
    }

    private static boolean isComplete(final Job job) {
        return job != null && job.getStatus() != null && job.getStatus().getConditions().stream()
                .anyMatch(condition -> "Complete".equals(condition.getType()) && "True".equals(condition.getStatus()));
    }

    private static boolean isReady(final Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase())
                && pod.getStatus().getConditions().stream()
                        .anyMatch(condition -> "Ready".equals(condition.getType()) && "True".equals(condition.getStatus()));
    }
}
