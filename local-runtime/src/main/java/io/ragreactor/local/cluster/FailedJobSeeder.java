package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.seed.FailedJobSeed;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the seed's failed migration Job with the Failed condition BackoffLimitExceeded, and its one pod, labelled
 * {@code job-name=<job>}, whose container terminated with an error.
 */
final class FailedJobSeeder {

    /** Label the Job controller sets on every pod of a Job, with the Job's name as value. */
    static final String JOB_NAME_LABEL = "job-name";

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);
    private static final String JOB_NAME_LABEL_V2 = "batch.kubernetes.io/job-name";

    private final KubernetesClient client;
    private final String namespace;
    private final String image;

    FailedJobSeeder(final KubernetesClient client, final String namespace, final String image) {
        this.client = client;
        this.namespace = namespace;
        this.image = image;
    }

    void seed(final FailedJobSeed seed) {
        final Map<String, String> podLabels = Map.of(JOB_NAME_LABEL, seed.name(), JOB_NAME_LABEL_V2, seed.name());
        final Container container = new ContainerBuilder()
                .withName(seed.container())
                .withImage(image)
                .withCommand(seed.command())
                .build();
        final String started = seed.startedAt().toString();
        final String finished = seed.finishedAt().toString();

        // The Job first, with backoffLimit 0: its one failed pod reached the limit.
        final Job job = client.batch().v1().jobs().inNamespace(namespace).resource(new JobBuilder()
                .withNewMetadata()
                .withName(seed.name())
                .withNamespace(namespace)
                .addToLabels(JOB_NAME_LABEL, seed.name())
                .endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withNewTemplate()
                .withNewMetadata().withLabels(podLabels).endMetadata()
                .withNewSpec().withRestartPolicy("Never").withContainers(container).endSpec()
                .endTemplate()
                .endSpec()
                .withNewStatus()
                .withStartTime(started)
                .withActive(0)
                .withFailed(1)
                .withSucceeded(0)
                .addNewCondition()
                .withType("Failed")
                .withStatus("True")
                .withReason("BackoffLimitExceeded")
                .withMessage("Job has reached the specified backoff limit")
                .withLastProbeTime(finished)
                .withLastTransitionTime(finished)
                .endCondition()
                .endStatus()
                .build()).create();

        client.pods().inNamespace(namespace).resource(new PodBuilder()
                .withNewMetadata()
                .withName(seed.podName())
                .withNamespace(namespace)
                .withLabels(podLabels)
                .withOwnerReferences(ClusterSeeder.owner("batch/v1", "Job", seed.name(), job.getMetadata().getUid()))
                .endMetadata()
                .withNewSpec().withRestartPolicy("Never").withContainers(container).endSpec()
                .withNewStatus()
                .withPhase("Failed")
                .withStartTime(started)
                .addNewCondition().withType("PodScheduled").withStatus("True").withLastTransitionTime(started)
                .endCondition()
                .addNewCondition().withType("Initialized").withStatus("True").withLastTransitionTime(started)
                .endCondition()
                .addNewCondition().withType("ContainersReady").withStatus("False").withReason("PodFailed")
                .withLastTransitionTime(finished).endCondition()
                .addNewCondition().withType("Ready").withStatus("False").withReason("PodFailed")
                .withLastTransitionTime(finished).endCondition()
                .addNewContainerStatus()
                .withName(seed.container())
                .withImage(image)
                .withReady(false)
                .withStarted(false)
                .withRestartCount(0)
                .withNewState().withNewTerminated().withExitCode(seed.exitCode()).withReason("Error")
                .withStartedAt(started).withFinishedAt(finished).endTerminated().endState()
                .endContainerStatus()
                .endStatus()
                .build()).create();
        LOG.info("seeded failed job {} with pod {}: container {} exited with code {} (log from {})", seed.name(),
                seed.podName(), seed.container(), seed.exitCode(), seed.logFile());
    }
}
