package io.ragreactor.actuators.jobs;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.JobSpec;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a command's {@link JobSpec} as a Kubernetes Job and follows it to its end. The Job's name ends in a
 * suffix derived from the command id and the Job carries the command id label, so a re-delivered command adopts
 * the Job an earlier delivery created instead of starting a second one. Waits end at the command's deadline.
 */
public final class CommandJobs {

    /** Label on every Job and Job pod a command created, with the command id as value. */
    public static final String COMMAND_ID_LABEL = "ragreactor.io/command-id";
    /** Name of the Job's single container. */
    public static final String CONTAINER_NAME = "job";
    /** Bytes of the failed Job pod's log kept as evidence, because a JobSpec carries no bound of its own. */
    public static final int DEFAULT_MAX_LOG_BYTES = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(CommandJobs.class);
    private static final String SUFFIX_PLACEHOLDER = "-00000000";

    private final KubernetesClient client;
    private final PodLogs logs;
    private final int maxLogBytes;

    public CommandJobs(final KubernetesClient client) {
        this(client, DEFAULT_MAX_LOG_BYTES);
    }

    public CommandJobs(final KubernetesClient client, final int maxLogBytes) {
        this.client = client;
        this.logs = new PodLogs(client);
        this.maxLogBytes = maxLogBytes;
    }

    /** Returns the Job name of a command: the prefix, '-' and 8 hex characters of the SHA-256 of the command id. */
    public static String jobName(final String namePrefix, final String commandId) {
        return namePrefix + "-" + suffixOf(commandId);
    }

    static String suffixOf(final String commandId) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(commandId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Rejects a Job spec that must not reach the API: a name that is no DNS-1123 label with its suffix, a blank
     * image, an empty argument vector, invalid env names (the spec's and {@code extraEnv}'s), negative limits,
     * or a command id that cannot be a label value.
     */
    public static void checkGuards(final JobSpec job, final Map<String, String> extraEnv, final RecoveryCommand command,
                                   final Guards guards) throws GuardRejection {
        guards.labelValue("commandId (value of label " + COMMAND_ID_LABEL + ")", command.getCommandId());
        // The Job's name becomes its pods' job-name label value, so it must be a DNS-1123 label, not only a subdomain.
        guards.dnsLabel("job.namePrefix with its suffix", job.getNamePrefix() + SUFFIX_PLACEHOLDER);
        guards.parameter(job.getImage() != null && !job.getImage().isBlank() && !job.getImage().matches(".*\\s.*"),
                "job.image", job.getImage(), "must be an image reference without spaces");
        guards.parameter(job.getCommand() != null && !job.getCommand().isEmpty(), "job.command", job.getCommand(),
                "needs at least the program to run");
        for (final String name : job.getEnv().keySet()) {
            guards.envName("job.env", name);
        }
        for (final String name : extraEnv.keySet()) {
            guards.envName("job env set by the actuator", name);
        }
        guards.parameter(job.getBackoffLimit() >= 0, "job.backoffLimit", job.getBackoffLimit(), "must not be negative");
        guards.parameter(job.getActiveDeadlineSeconds() > 0, "job.activeDeadlineSeconds",
                job.getActiveDeadlineSeconds(), "must be positive");
    }

    /**
     * Creates the command's Job, or adopts the one an earlier delivery created, and waits until it is Complete
     * (OK), Failed (JOB_FAILED, with the condition and the tail of its pod's log) or the command's deadline
     * passes (DEADLINE_PASSED). {@code extraEnv} wins over variables of the same name in the spec.
     *
     * @param purpose what the Job does, for example "migration", used in details and logs
     */
    public StepResult run(final String namespace, final JobSpec spec, final Map<String, String> extraEnv,
                          final String purpose, final ExecutionContext context) {
        final String commandId = context.commandId();
        final String jobName = jobName(spec.getNamePrefix(), commandId);
        final String jobResource = "jobs/" + namespace + "/" + jobName;
        final Deadline deadline = new Deadline(context.clock(), context.command().getDeadline());
        final List<Evidence> evidence = new ArrayList<>();

        // Check state first, because an earlier delivery of this command may have created the Job.
        final Job existing = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        context.recordCall("GET " + jobResource);
        requireOwned(existing, jobResource, commandId);

        if (context.dryRun()) {
            if (existing == null) {
                context.recordSideEffect("POST " + jobResource);
            }
            context.recordCall("GET " + jobResource + " (until its Complete or Failed condition)");
            evidence.add(Evidences.of("job-spec", jobResource, describeSpec(spec, extraEnv)));
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would " + (existing == null ? "create" : "adopt")
                    + " " + purpose + " Job " + jobName + " and wait for it until " + deadline.at(), evidence);
        }

        // Create the Job unless an earlier delivery did. A Job started after the deadline would run with no actuator
        // waiting for its end, so none is started then.
        if (existing == null) {
            if (deadline.passed()) {
                throw new StepFailure(OutcomeReason.DEADLINE_PASSED, purpose + " Job " + jobName
                        + " not created because the command's deadline " + deadline.at() + " has passed");
            }
            create(namespace, jobName, spec, extraEnv, jobResource, purpose, context);
        } else {
            LOG.info("Adopting existing Job: job=[{}] purpose=[{}] {}", jobResource, purpose, context);
            evidence.add(Evidences.of("job-adopted", jobResource, "followed the Job an earlier delivery of this"
                    + " command created at " + existing.getMetadata().getCreationTimestamp()));
        }

        // Follow the Job to its end.
        final String state = await(namespace, jobName, purpose, deadline, context, evidence);
        evidence.add(Evidences.of("job-status", jobResource, state));
        return StepResult.of(OutcomeReason.OK, purpose + " Job " + jobName + " completed", evidence);
    }

    /** Builds the Job: the spec's image and argument vector, no shell, restart policy Never, command id labels. */
    static Job build(final String namespace, final String name, final JobSpec spec, final Map<String, String> extraEnv,
                     final String commandId) {
        final Map<String, String> env = new TreeMap<>(spec.getEnv());
        env.putAll(extraEnv);
        final List<EnvVar> envVars = new ArrayList<>();
        env.forEach((key, value) -> envVars.add(new EnvVar(key, value, null)));
        return new JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
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
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** Describes a Job's conditions on one line, for example {@code Failed=True reason=BackoffLimitExceeded}. */
    public static String describe(final Job job) {
        final List<JobCondition> conditions = conditions(job);
        final StringBuilder text = new StringBuilder(conditions.isEmpty() ? "no conditions yet" : conditions.stream()
                .map(c -> c.getType() + "=" + c.getStatus() + (c.getReason() == null ? "" : " reason=" + c.getReason())
                        + (c.getMessage() == null ? "" : " message=" + c.getMessage()))
                .collect(Collectors.joining("; ")));
        if (job.getStatus() != null) {
            text.append("; active=").append(orZero(job.getStatus().getActive()))
                    .append(" succeeded=").append(orZero(job.getStatus().getSucceeded()))
                    .append(" failed=").append(orZero(job.getStatus().getFailed()));
        }
        return text.toString();
    }

    /** Returns whether the Job has condition {@code type} with status True. */
    public static boolean hasCondition(final Job job, final String type) {
        return conditions(job).stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * Returns the evidence of a Job's newest pod: its container states and the tail of its log, or one record
     * saying no pod was found.
     */
    public List<Evidence> podEvidence(final String namespace, final String jobName, final int maxBytes,
                                      final ExecutionContext context) {
        final String podsResource = "pods/" + namespace + "?labelSelector=" + PodLogs.JOB_NAME_LABEL + "=" + jobName;
        final Optional<Pod> pod;
        try {
            pod = logs.newestPodOfJob(namespace, jobName);
        } catch (final KubernetesClientException e) {
            LOG.warn("Listing the Job's pods failed: pods=[{}] code=[{}] {}", podsResource, e.getCode(), context);
            return List.of(Evidences.of("job-pod", podsResource, "listing the Job's pods failed: HTTP " + e.getCode()));
        } finally {
            context.recordCall("LIST " + podsResource);
        }
        if (pod.isEmpty()) {
            return List.of(Evidences.of("job-pod", podsResource, "no pod of Job " + jobName + " found"));
        }
        final String podName = pod.get().getMetadata().getName();
        final String container = PodLogs.firstContainer(pod.get());
        final String state = PodLogs.statuses(pod.get(), false).stream().map(PodLogs::describe)
                .collect(Collectors.joining("; "));
        final List<Evidence> evidence = new ArrayList<>();
        evidence.add(Evidences.of("job-pod", "pods/" + namespace + "/" + podName,
                "phase=" + (pod.get().getStatus() == null ? null : pod.get().getStatus().getPhase())
                        + (state.isEmpty() ? "" : "; " + state)));
        if (container != null) {
            evidence.add(logs.tail(namespace, podName, container, false, maxBytes).evidence());
            context.recordCall("GET pods/" + namespace + "/" + podName + "/log?container=" + container + "&tailLines="
                    + PodLogs.TAIL_LINES);
        }
        return evidence;
    }

    private void create(final String namespace, final String jobName, final JobSpec spec,
                        final Map<String, String> extraEnv, final String jobResource, final String purpose,
                        final ExecutionContext context) {
        final String commandId = context.commandId();
        try {
            client.batch().v1().jobs().inNamespace(namespace)
                    .resource(build(namespace, jobName, spec, extraEnv, commandId)).create();
        } catch (final KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
            // Another delivery of this command created the Job between the read and the create, so adopt it.
            final Job raced = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
            context.recordCall("GET " + jobResource);
            requireOwned(raced, jobResource, commandId);
            LOG.info("Job created concurrently, adopting it: job=[{}] {}", jobResource, context);
            return;
        }
        context.recordSideEffect("POST " + jobResource);
        LOG.info("Job created: job=[{}] purpose=[{}] image=[{}] {}", jobResource, purpose, spec.getImage(), context);
    }

    /**
     * Follows a Job by name until it is Complete and returns its last state. A Failed Job ends the step as
     * JOB_FAILED and a passed deadline as DEADLINE_PASSED, both with the Job's state and its pod's log tail added
     * to {@code evidence}. A failed read is retried until the deadline.
     *
     * @param purpose what the Job does, for example "restore", used in details and logs
     */
    public String await(final String namespace, final String jobName, final String purpose, final Deadline deadline,
                        final ExecutionContext context, final List<Evidence> evidence) {
        final String jobResource = "jobs/" + namespace + "/" + jobName;
        int polls = 0;
        String lastState = "not read yet";
        try {
            while (true) {
                final Job job;
                try {
                    job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
                } catch (final KubernetesClientException e) {
                    // A failed read is retried until the deadline, because the API server may be restarting.
                    lastState = "read failed: HTTP " + e.getCode();
                    LOG.warn("Reading the Job failed, retrying: job=[{}] code=[{}] {}", jobResource, e.getCode(),
                            context);
                    checkDeadline(namespace, jobName, jobResource, purpose, lastState, deadline, context, evidence);
                    deadline.sleep(context.pollInterval());
                    continue;
                }
                polls++;
                if (job == null) {
                    throw new StepFailure(OutcomeReason.NOT_FOUND, jobResource + " disappeared while the actuator"
                            + " waited for it", evidence);
                }
                lastState = describe(job);
                if (hasCondition(job, "Complete")) {
                    LOG.info("Job complete: job=[{}] purpose=[{}] {}", jobResource, purpose, context);
                    return lastState;
                }
                if (hasCondition(job, "Failed")) {
                    LOG.warn("Job failed: job=[{}] purpose=[{}] state=[{}] {}", jobResource, purpose, lastState,
                            context);
                    evidence.add(Evidences.of("job-status", jobResource, lastState));
                    evidence.addAll(podEvidence(namespace, jobName, maxLogBytes, context));
                    throw new StepFailure(OutcomeReason.JOB_FAILED, purpose + " Job " + jobName + " failed: "
                            + lastState, evidence);
                }
                checkDeadline(namespace, jobName, jobResource, purpose, lastState, deadline, context, evidence);
                deadline.sleep(context.pollInterval());
            }
        } finally {
            context.recordCall("GET " + jobResource + " (polled " + polls + " times, last state: " + lastState + ")");
        }
    }

    /** Ends the step as timed out once the deadline has passed, with the Job's last state and its pod's log tail. */
    private void checkDeadline(final String namespace, final String jobName, final String jobResource,
                               final String purpose, final String lastState, final Deadline deadline,
                               final ExecutionContext context, final List<Evidence> evidence) {
        if (deadline.passed()) {
            evidence.add(Evidences.of("job-status", jobResource, lastState));
            evidence.addAll(podEvidence(namespace, jobName, maxLogBytes, context));
            throw new StepFailure(OutcomeReason.DEADLINE_PASSED, purpose + " Job " + jobName
                    + " did not finish before " + deadline.at() + "; it keeps running under its own"
                    + " activeDeadlineSeconds", evidence);
        }
    }

    private static void requireOwned(final Job job, final String jobResource, final String commandId) {
        if (job == null) {
            return;
        }
        final Map<String, String> labels = job.getMetadata() == null ? null : job.getMetadata().getLabels();
        final String owner = labels == null ? null : labels.get(COMMAND_ID_LABEL);
        if (!commandId.equals(owner)) {
            throw new StepFailure(OutcomeReason.NAME_CONFLICT, jobResource + " exists but its label " + COMMAND_ID_LABEL
                    + " is [" + owner + "], not this command's id");
        }
    }

    private static String describeSpec(final JobSpec spec, final Map<String, String> extraEnv) {
        final Map<String, String> env = new TreeMap<>(spec.getEnv());
        env.putAll(extraEnv);
        return "image=" + spec.getImage() + " command=" + spec.getCommand() + " env=" + env + " backoffLimit="
                + spec.getBackoffLimit() + " activeDeadlineSeconds=" + spec.getActiveDeadlineSeconds();
    }

    private static List<JobCondition> conditions(final Job job) {
        return job.getStatus() == null || job.getStatus().getConditions() == null
                ? List.of() : job.getStatus().getConditions();
    }

    private static int orZero(final Integer value) {
        return value == null ? 0 : value;
    }
}
