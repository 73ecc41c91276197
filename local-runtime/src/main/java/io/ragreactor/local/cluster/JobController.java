package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.seed.Document;
import io.ragreactor.local.seed.IndexState;
import io.ragreactor.local.seed.RestoreSeed;
import io.ragreactor.local.snapshots.SnapshotRead;
import io.ragreactor.local.snapshots.SnapshotReader;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Jobs. A restore Job runs the seed's restore image with the snapshot env variable, and it copies the
 * named snapshot into the one PVC its pod spec mounts. A complete snapshot leaves a healthy index with the
 * snapshot's documents, and an incomplete or missing one leaves a broken index. A migration Job runs the seed's
 * migration image and raises the database schema to the required version when it completes. Every Job, restore,
 * migration or other, then completes after the configured delay.
 */
final class JobController {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);

    private final KubernetesClient client;
    private final VolumeIndexes indexes;
    private final RestoreSeed restore;
    private final Optional<SnapshotReader> snapshots;
    private final Optional<String> migrationImage;
    private final SchemaState schema;
    private final long completionDelayNanos;
    private final Map<String, Long> completionDeadlines = new HashMap<>();
    private final Set<String> waitingForClaimLogged = new HashSet<>();

    JobController(final KubernetesClient client, final VolumeIndexes indexes, final RestoreSeed restore,
            final Optional<SnapshotReader> snapshots, final Optional<String> migrationImage, final SchemaState schema,
            final SimulationTimings timings) {
        this.client = client;
        this.indexes = indexes;
        this.restore = restore;
        this.snapshots = snapshots;
        this.migrationImage = migrationImage;
        this.schema = schema;
        this.completionDelayNanos = timings.jobCompletionDelay().toNanos();
    }

    void reconcile() {
        final Set<String> seen = new HashSet<>();
        for (final Job job : client.batch().v1().jobs().inAnyNamespace().list().getItems()) {
            final String key = key(job);
            seen.add(key);
            if (isFinished(job)) {
                continue;
            }
            final Long deadline = completionDeadlines.get(key);
            if (deadline == null) {
                if (start(job)) {
                    completionDeadlines.put(key, System.nanoTime() + completionDelayNanos);
                }
            } else if (System.nanoTime() - deadline >= 0) {
                complete(job);
            }
        }
        completionDeadlines.keySet().retainAll(seen);
        waitingForClaimLogged.retainAll(seen);
    }

    /** Runs the Job's work and marks it active; returns false when it has to wait for its PVC. */
    private boolean start(final Job job) {
        final String namespace = job.getMetadata().getNamespace();
        final String name = job.getMetadata().getName();
        final PodSpec spec = job.getSpec() == null || job.getSpec().getTemplate() == null
                ? null
                : job.getSpec().getTemplate().getSpec();
        final Optional<Container> restoreContainer = spec == null
                ? Optional.empty()
                : spec.getContainers().stream().filter(container -> restore.image().equals(container.getImage())).findFirst();
        if (restoreContainer.isPresent()) {
            final List<String> claims = Pods.claims(spec);
            if (claims.size() != 1) {
                LOG.warn("job=[{}/{}] runs the restore image but mounts {} PVCs instead of one; nothing restored",
                        namespace, name, claims.size());
            } else if (client.persistentVolumeClaims().inNamespace(namespace).withName(claims.get(0)).get() == null) {
                // A pod whose PVC does not exist stays Pending, so the Job waits for it.
                if (waitingForClaimLogged.add(key(job))) {
                    LOG.info("job=[{}/{}] waits for pvc=[{}] to exist", namespace, name, claims.get(0));
                }
                return false;
            } else {
                restoreInto(job, namespace, claims.get(0), snapshotUri(restoreContainer.get()));
            }
        } else {
            LOG.info("job=[{}/{}] started", namespace, name);
        }
        client.batch().v1().jobs().inNamespace(namespace).withName(name).editStatus(current -> new JobBuilder(current)
                .editOrNewStatus()
                .withActive(1)
                .withStartTime(Instant.now().toString())
                .endStatus()
                .build());
        return true;
    }

    private void restoreInto(final Job job, final String namespace, final String claim, final Optional<String> uri) {
        final String jobName = job.getMetadata().getName();
        final VolumeIndex index;
        if (uri.isEmpty()) {
            index = VolumeIndex.broken("restore job " + jobName + " named no snapshot in " + restore.snapshotEnv());
        } else if (snapshots.isEmpty()) {
            index = VolumeIndex.broken("restore job " + jobName + " could not reach S3: the simulation has no S3 endpoint");
        } else {
            final SnapshotRead read = snapshots.get().read(uri.get());
            if (read.complete()) {
                final List<Document> documents = read.documents();
                index = new VolumeIndex(IndexState.HEALTHY, documents, "restored from " + uri.get());
            } else {
                index = VolumeIndex.broken("incomplete restore from " + uri.get() + ": " + read.outcome() + ", "
                        + read.detail());
            }
        }
        indexes.put(namespace, claim, index);
        LOG.info("job=[{}/{}] restored snapshot=[{}] into pvc=[{}]: index=[{}] documents=[{}] ({})", namespace, jobName,
                uri.orElse("<none>"), claim, index.state().label(), index.documents().size(), index.origin());
    }

    private Optional<String> snapshotUri(final Container container) {
        return container.getEnv().stream()
                .filter(env -> restore.snapshotEnv().equals(env.getName()))
                .map(EnvVar::getValue)
                .filter(value -> value != null && !value.isBlank())
                .findFirst();
    }

    private void complete(final Job job) {
        // The schema changes before the Complete condition, so a client that reads the condition also reads the new version.
        if (runsMigrationImage(job)) {
            final int before = schema.migrate();
            LOG.info("job=[{}/{}] migrated the database schema from version {} to {} (simulated: the version only)",
                    job.getMetadata().getNamespace(), job.getMetadata().getName(), before, schema.version());
        }
        final String now = Instant.now().toString();
        final JobCondition completed = new JobConditionBuilder()
                .withType("Complete")
                .withStatus("True")
                .withLastProbeTime(now)
                .withLastTransitionTime(now)
                .build();
        client.batch().v1().jobs()
                .inNamespace(job.getMetadata().getNamespace())
                .withName(job.getMetadata().getName())
                .editStatus(current -> new JobBuilder(current)
                        .editOrNewStatus()
                        .withActive(0)
                        .withSucceeded(1)
                        .withCompletionTime(now)
                        .addToConditions(completed)
                        .endStatus()
                        .build());
        LOG.info("job=[{}/{}] complete", job.getMetadata().getNamespace(), job.getMetadata().getName());
    }

    private boolean runsMigrationImage(final Job job) {
        if (migrationImage.isEmpty() || job.getSpec() == null || job.getSpec().getTemplate() == null
                || job.getSpec().getTemplate().getSpec() == null) {
            return false;
        }
        return job.getSpec().getTemplate().getSpec().getContainers().stream()
                .anyMatch(container -> migrationImage.get().equals(container.getImage()));
    }

    private static boolean isFinished(final Job job) {
        if (job.getStatus() == null) {
            return false;
        }
        if (job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0) {
            return true;
        }
        return job.getStatus().getConditions().stream()
                .anyMatch(condition -> ("Complete".equals(condition.getType()) || "Failed".equals(condition.getType()))
                        && "True".equals(condition.getStatus()));
    }

    private static String key(final Job job) {
        final String uid = job.getMetadata().getUid();
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName() + (uid == null ? "" : "/" + uid);
    }
}
