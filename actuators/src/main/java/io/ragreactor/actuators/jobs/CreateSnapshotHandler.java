package io.ragreactor.actuators.jobs;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.CreateSnapshot;
import io.ragreactor.schemas.command.RecoveryCommand;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs the Job that writes a snapshot of a shard's index to S3 and waits until the command's deadline for it to
 * complete. The snapshot's folder is named after the command's issue time, not the wall clock, so a re-delivery
 * or a replay writes to the same {@value #SNAPSHOT_ENV}.
 */
public final class CreateSnapshotHandler implements ActionHandler<CreateSnapshot> {

    /** Variable with the snapshot's destination, {@code s3://bucket/prefix<yyyy-MM-dd'T'HH-mm>/}. */
    public static final String SNAPSHOT_ENV = "SNAPSHOT_URI";
    /** Variable with the shard to snapshot. */
    public static final String SHARD_ENV = "SHARD";

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final DateTimeFormatter FOLDER =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final CommandJobs jobs;

    public CreateSnapshotHandler(final KubernetesClient client) {
        this.jobs = new CommandJobs(client);
    }

    @Override
    public Class<CreateSnapshot> actionType() {
        return CreateSnapshot.class;
    }

    @Override
    public void checkGuards(final CreateSnapshot action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        guards.dnsLabel("shard", action.getShard());
        guards.parameter(action.getBucket() != null && BUCKET.matcher(action.getBucket()).matches()
                && !action.getBucket().contains(".."), "bucket", action.getBucket(), "not an S3 bucket name");
        final String prefix = action.getPrefix();
        guards.parameter(prefix != null && prefix.endsWith("/") && !prefix.startsWith("/") && !prefix.contains("//")
                && !prefix.contains(".."), "prefix", prefix, "must end in '/' and contain no '//' or '..'");
        CommandJobs.checkGuards(action.getJob(), env(action, command), command, guards);
    }

    @Override
    public StepResult execute(final CreateSnapshot action, final ExecutionContext context) {
        return jobs.run(action.getNamespace(), action.getJob(), env(action, context.command()), "snapshot", context);
    }

    /** Returns the snapshot's destination: the prefix and a folder named after the command's issue time in UTC. */
    static String snapshotUri(final CreateSnapshot action, final RecoveryCommand command) {
        return "s3://" + action.getBucket() + "/" + action.getPrefix() + FOLDER.format(command.getIssuedAt()) + "/";
    }

    private static Map<String, String> env(final CreateSnapshot action, final RecoveryCommand command) {
        return Map.of(SNAPSHOT_ENV, snapshotUri(action, command), SHARD_ENV, action.getShard());
    }
}
