package io.ragreactor.actuators.restore;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.actuators.jobs.CommandJobs;
import io.ragreactor.actuators.kubernetes.PodReadiness;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.JobSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a shard into a new volume. It chooses the newest complete snapshot, creates a new PVC and a restore
 * Job that fills it, and waits for the Job to complete. Then it points the workload's index volume at the new
 * PVC and waits for a Ready pod that mounts it. This handler deletes nothing, so the old PVC stays.
 * Every created resource carries the command id in its name suffix and its
 * {@value RestoreResources#COMMAND_ID_LABEL} label, so a re-delivered command adopts what an earlier attempt
 * created and follows it to its end instead of creating more.
 */
public final class RestoreSnapshotHandler implements ActionHandler<RestoreSnapshot> {

    /** Label on the PVC, the Job and the Job's pods, with the command id as value. */
    public static final String COMMAND_ID_LABEL = RestoreResources.COMMAND_ID_LABEL;
    /** Annotation on the workload's pod template, with the command id as value. */
    public static final String COMMAND_ID_ANNOTATION = RestoreResources.COMMAND_ID_ANNOTATION;
    /** Annotation on the new PVC with the restored snapshot's URI. */
    public static final String SNAPSHOT_ANNOTATION = RestoreResources.SNAPSHOT_ANNOTATION;

    private static final Logger LOG = LoggerFactory.getLogger(RestoreSnapshotHandler.class);
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final String DEPLOYMENT = "Deployment";

    /** Bytes of a failed restore Job's log kept as evidence. */
    private static final int FAILED_JOB_LOG_BYTES = 4096;

    private final KubernetesClient client;
    private final SnapshotSelector selector;
    private final CommandJobs jobs;

    public RestoreSnapshotHandler(final KubernetesClient client, final SnapshotSelector selector) {
        this.client = client;
        this.selector = selector;
        this.jobs = new CommandJobs(client, FAILED_JOB_LOG_BYTES);
    }

    @Override
    public Class<RestoreSnapshot> actionType() {
        return RestoreSnapshot.class;
    }

    @Override
    public void checkGuards(final RestoreSnapshot action, final RecoveryCommand command, final Guards guards) throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        guards.dnsLabel("shard", action.getShard());
        guards.parameter(action.getBucket() != null && BUCKET.matcher(action.getBucket()).matches()
                && !action.getBucket().contains(".."), "bucket", action.getBucket(), "not an S3 bucket name");
        final String prefix = action.getPrefix();
        guards.parameter(prefix != null && prefix.endsWith("/") && !prefix.startsWith("/") && !prefix.contains("//")
                && !prefix.contains(".."), "prefix", prefix, "must end in '/' and contain no '//' or '..'");
        if (!DEPLOYMENT.equals(action.getWorkload().getKind())) {
            // NOTE: a StatefulSet takes its volumes from volumeClaimTemplates by fixed names, so pointing one at a
            // new volume while keeping the old one needs another procedure. Only Deployments are restored.
            throw new GuardRejection(OutcomeReason.UNSUPPORTED_ACTION, "workload kind [" + action.getWorkload().getKind()
                    + "] is not supported by the restore, only Deployment");
        }

        guards.dnsSubdomain("workload.name", action.getWorkload().getName());
        guards.dnsLabel("volumeName", action.getVolumeName());
        guards.labelSelector("podSelector", action.getPodSelector());
        guards.labelValue("commandId (value of label " + COMMAND_ID_LABEL + ")", command.getCommandId());
        guards.dnsSubdomain("pvcNamePrefix with its suffix", action.getPvcNamePrefix() + "-00000000");
        if (action.getStorageClassName() != null) {
            guards.dnsSubdomain("storageClassName", action.getStorageClassName());
        }
        guards.parameter(isPositiveQuantity(action.getStorageSize()), "storageSize", action.getStorageSize(),
                "must be a positive Kubernetes quantity such as 20Gi");

        final JobSpec job = action.getJob();
        // A Job's name ends up in its pods' job-name label, so it must be a DNS-1123 label, not only a subdomain.
        guards.dnsLabel("job.namePrefix with its suffix", job.getNamePrefix() + "-00000000");
        guards.parameter(job.getImage() != null && !job.getImage().isBlank() && !job.getImage().matches(".*\\s.*"),
                "job.image", job.getImage(), "must be an image reference without spaces");
        guards.parameter(job.getCommand() != null && !job.getCommand().isEmpty(), "job.command", job.getCommand(),
                "needs at least the program to run");
        for (final String name : job.getEnv().keySet()) {
            guards.envName("job.env", name);
        }
        guards.envName("snapshotEnvVar", action.getSnapshotEnvVar());

        guards.parameter(job.getBackoffLimit() >= 0, "job.backoffLimit", job.getBackoffLimit(), "must not be negative");
        guards.parameter(job.getActiveDeadlineSeconds() > 0, "job.activeDeadlineSeconds",
                job.getActiveDeadlineSeconds(), "must be positive");
        guards.parameter(action.getMountPath() != null && action.getMountPath().startsWith("/")
                && !action.getMountPath().contains(":"), "mountPath", action.getMountPath(),
                "must be an absolute path without ':'");
        guards.parameter(action.getReadyTimeoutMs() > 0, "readyTimeoutMs", action.getReadyTimeoutMs(),
                "must be positive");
    }

    @Override
    public StepResult execute(final RestoreSnapshot action, final ExecutionContext context) {
        final String namespace = action.getNamespace();
        final String commandId = context.commandId();
        final String pvcName = RestoreResources.pvcName(action, commandId);
        final String jobName = RestoreResources.jobName(action, commandId);
        final String pvcResource = "persistentvolumeclaims/" + namespace + "/" + pvcName;
        final String jobResource = "jobs/" + namespace + "/" + jobName;
        final List<Evidence> evidence = new ArrayList<>();

        // Check state first: an earlier delivery of this command may have created the PVC or the Job.
        final PersistentVolumeClaim existingPvc =
                client.persistentVolumeClaims().inNamespace(namespace).withName(pvcName).get();
        context.recordCall("GET " + pvcResource);
        requireOwned(existingPvc, pvcResource, commandId);
        final Job existingJob = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        context.recordCall("GET " + jobResource);
        requireOwned(existingJob, jobResource, commandId);
        final Deadline deadline = deadlineOf(action, context, existingPvc, existingJob);

        // Choose the snapshot, or take the one the adopted Job was given.
        final String snapshotUri = snapshotUri(action, context, existingJob, evidence);

        // Create the new volume and the Job that fills it, unless an earlier delivery did.
        if (existingPvc == null) {
            createPvc(action, context, pvcName, snapshotUri, pvcResource);
        } else {
            LOG.info("Adopting existing PVC: pvc=[{}] {}", pvcResource, context);
        }
        if (existingJob == null) {
            createJob(action, context, jobName, pvcName, snapshotUri, jobResource);
        } else {
            LOG.info("Adopting existing restore Job: job=[{}] {}", jobResource, context);
        }
        final String workloadResource = "deployments/" + namespace + "/" + action.getWorkload().getName();
        final String podsResource = "pods/" + namespace + "?labelSelector=" + PodReadiness.selector(action.getPodSelector());
        if (context.dryRun()) {
            context.recordCall("GET " + jobResource + " (until its Complete condition)");
            context.recordCall("PATCH " + workloadResource);
            context.recordCall("LIST " + podsResource + " (until a Ready pod mounts " + pvcName + ")");
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would restore " + snapshotUri + " into new PVC "
                    + pvcName + " with Job " + jobName + " and point " + workloadResource + " at it", evidence);
        }

        // Follow the Job to its end, then point the workload at the new volume and wait for a Ready pod on it.
        jobs.await(namespace, jobName, "restore", deadline, context, evidence);
        final String oldClaim = repointWorkload(action, context, pvcName, workloadResource);
        awaitReadyPod(action, pvcName, podsResource, deadline, context, evidence);

        evidence.add(Evidences.of("restore", workloadResource, "restored " + snapshotUri + " into PVC " + pvcName
                + " with Job " + jobName + "; volume " + action.getVolumeName() + " now claims " + pvcName
                + (oldClaim == null ? "" : "; previous claim " + oldClaim + " kept")));
        return StepResult.of(OutcomeReason.OK, "restored " + snapshotUri + " into new PVC " + pvcName + " and "
                + workloadResource + " has a Ready pod on it", evidence);
    }

    private static void requireOwned(final HasMetadata resource, final String name, final String commandId) {
        if (resource == null) {
            return;
        }
        final String owner = RestoreResources.commandIdOf(resource);
        if (!commandId.equals(owner)) {
            throw new StepFailure(OutcomeReason.NAME_CONFLICT, name + " exists but its label " + COMMAND_ID_LABEL
                    + " is [" + owner + "], not this command's id");
        }
    }

    /**
     * Returns the step's deadline: the ready timeout counted from the oldest resource an earlier delivery
     * created, so a re-delivery does not extend the time the step may take, or from now.
     */
    private static Deadline deadlineOf(final RestoreSnapshot action, final ExecutionContext context,
                                       final HasMetadata... adopted) {
        Instant origin = context.startedAt();
        for (final HasMetadata resource : adopted) {
            if (resource != null) {
                final Instant created = PodReadiness.parseTime(resource.getMetadata().getCreationTimestamp());
                if (created.isAfter(Instant.EPOCH) && created.isBefore(origin)) {
                    origin = created;
                }
            }
        }
        return new Deadline(context.clock(), origin.plus(Duration.ofMillis(action.getReadyTimeoutMs())));
    }

    private String snapshotUri(final RestoreSnapshot action, final ExecutionContext context, final Job existingJob,
                               final List<Evidence> evidence) {
        final String source = "s3://" + action.getBucket() + "/" + action.getPrefix();
        if (existingJob != null) {
            final String adopted = RestoreResources.snapshotUriOf(existingJob, action.getSnapshotEnvVar());
            if (adopted == null) {
                throw new StepFailure(OutcomeReason.NAME_CONFLICT, "Job " + existingJob.getMetadata().getName()
                        + " carries this command's id but no " + action.getSnapshotEnvVar() + " variable");
            }
            evidence.add(Evidences.of("snapshot-choice", source, "took " + adopted + " from the restore Job "
                    + existingJob.getMetadata().getName() + " that an earlier delivery of this command created"));
            return adopted;
        }
        final SnapshotChoice choice = selector.choose(action.getBucket(), action.getPrefix(), action.getShard(), context);
        evidence.add(Evidences.of("snapshot-choice", source, choice.explanation()));
        return choice.chosenUri().orElseThrow(() -> new StepFailure(OutcomeReason.NO_COMPLETE_SNAPSHOT,
                "no complete snapshot under " + source, evidence));
    }

    private void createPvc(final RestoreSnapshot action, final ExecutionContext context, final String pvcName,
                           final String snapshotUri, final String pvcResource) {
        final String call = "POST " + pvcResource;
        if (!context.dryRun()) {
            client.persistentVolumeClaims().inNamespace(action.getNamespace())
                    .resource(RestoreResources.pvc(action, pvcName, context.commandId(), snapshotUri)).create();
            LOG.info("PVC created: pvc=[{}] size=[{}] {}", pvcResource, action.getStorageSize(), context);
        }
        context.recordSideEffect(call);
    }

    private void createJob(final RestoreSnapshot action, final ExecutionContext context, final String jobName,
                           final String pvcName, final String snapshotUri, final String jobResource) {
        final String call = "POST " + jobResource;
        if (!context.dryRun()) {
            client.batch().v1().jobs().inNamespace(action.getNamespace())
                    .resource(RestoreResources.job(action, jobName, pvcName, context.commandId(), snapshotUri)).create();
            LOG.info("Restore Job created: job=[{}] snapshot=[{}] {}", jobResource, snapshotUri, context);
        }
        context.recordSideEffect(call);
    }

    /** Points the workload's volume at the new PVC unless it already claims it; returns the claim it had before. */
    private String repointWorkload(final RestoreSnapshot action, final ExecutionContext context, final String pvcName,
                                   final String workloadResource) {
        final String namespace = action.getNamespace();
        final String name = action.getWorkload().getName();
        final Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(name).get();
        context.recordCall("GET " + workloadResource);
        if (deployment == null) {
            throw new StepFailure(OutcomeReason.NOT_FOUND, workloadResource + " does not exist");
        }
        final List<Volume> volumes = deployment.getSpec().getTemplate().getSpec().getVolumes() == null
                ? List.of() : deployment.getSpec().getTemplate().getSpec().getVolumes();
        int index = -1;
        for (int i = 0; i < volumes.size(); i++) {
            if (action.getVolumeName().equals(volumes.get(i).getName())) {
                index = i;
            }
        }
        if (index < 0) {
            throw new StepFailure(OutcomeReason.VOLUME_NOT_FOUND, workloadResource + " has no pod template volume "
                    + action.getVolumeName());
        }
        final Volume volume = volumes.get(index);
        final String oldClaim = volume.getPersistentVolumeClaim() == null
                ? null : volume.getPersistentVolumeClaim().getClaimName();
        if (pvcName.equals(oldClaim)) {
            LOG.info("Workload already claims the new PVC: workload=[{}] pvc=[{}] {}", workloadResource, pvcName,
                    context);
            return null;
        }
        client.apps().deployments().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON),
                RestoreResources.repointPatch(deployment, index, action.getVolumeName(), pvcName, context.commandId()));
        context.recordSideEffect("PATCH " + workloadResource);
        LOG.info("Workload pointed at new PVC: workload=[{}] volume=[{}] pvc=[{}] previousClaim=[{}] {}",
                workloadResource, action.getVolumeName(), pvcName, oldClaim, context);
        return oldClaim;
    }

    private void awaitReadyPod(final RestoreSnapshot action, final String pvcName, final String podsResource,
                               final Deadline deadline, final ExecutionContext context, final List<Evidence> evidence) {
        int polls = 0;
        String lastSeen = "not listed yet";
        try {
            while (true) {
                final List<Pod> pods;
                try {
                    pods = client.pods().inNamespace(action.getNamespace()).withLabels(action.getPodSelector()).list()
                            .getItems();
                } catch (final KubernetesClientException e) {
                    lastSeen = "list failed: HTTP " + e.getCode();
                    LOG.warn("Listing the workload's pods failed, retrying: pods=[{}] code=[{}] {}", podsResource,
                            e.getCode(), context);
                    checkDeadline(deadline, "no Ready pod mounted " + pvcName, lastSeen, podsResource, "pods", evidence);
                    deadline.sleep(context.pollInterval());
                    continue;
                }
                polls++;
                lastSeen = pods.stream()
                        .map(p -> p.getMetadata().getName() + " ready=" + PodReadiness.isReady(p) + " mounts-new-pvc="
                                + claims(p, pvcName))
                        .collect(Collectors.joining(", "));
                if (pods.stream().anyMatch(p -> PodReadiness.isReady(p) && claims(p, pvcName))) {
                    LOG.info("Ready pod on the new PVC: pvc=[{}] {}", pvcName, context);
                    return;
                }
                if (lastSeen.isEmpty()) {
                    lastSeen = "no pod matches";
                }
                checkDeadline(deadline, "no Ready pod mounted " + pvcName, lastSeen, podsResource, "pods", evidence);
                deadline.sleep(context.pollInterval());
            }
        } finally {
            context.recordCall("LIST " + podsResource + " (polled " + polls + " times)");
        }
    }

    /** Ends the step as timed out, with the last observed state as evidence, once the deadline has passed. */
    private static void checkDeadline(final Deadline deadline, final String what, final String lastState,
                                      final String source, final String kind, final List<Evidence> evidence) {
        if (deadline.passed()) {
            evidence.add(Evidences.of(kind, source, lastState));
            throw new StepFailure(OutcomeReason.DEADLINE_PASSED, what + " before " + deadline.at(), evidence);
        }
    }

    private static boolean claims(final Pod pod, final String pvcName) {
        return pod.getSpec() != null && pod.getSpec().getVolumes() != null && pod.getSpec().getVolumes().stream()
                .anyMatch(v -> v.getPersistentVolumeClaim() != null
                        && pvcName.equals(v.getPersistentVolumeClaim().getClaimName()));
    }

    private static boolean isPositiveQuantity(final String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        try {
            return Quantity.getAmountInBytes(new Quantity(value)).signum() > 0;
        } catch (final IllegalArgumentException e) {
            return false;
        }
    }
}
