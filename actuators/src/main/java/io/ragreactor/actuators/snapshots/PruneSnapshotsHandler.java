package io.ragreactor.actuators.snapshots;

import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.PruneSnapshots;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Deletes the objects of complete snapshots whose manifest {@code createdAt} is older than the retention,
 * counted back from the command's {@code issuedAt}, and always keeps the newest {@code keepAtLeast} complete
 * ones. Incomplete snapshots are never deleted, whatever their age, because they may be uploads in progress.
 * Before deleting a folder it writes a {@value SnapshotInventory#PRUNE_MARKER} object holding the command id and
 * deletes the manifest first, so a re-delivered command finishes the folder it had started on. The reactor,
 * not this handler, withholds the command while the shard has an open incident.
 */
public final class PruneSnapshotsHandler implements ActionHandler<PruneSnapshots> {

    /** Minimum retention accepted. Daily snapshots are kept for 7 to 14 days. */
    public static final int MIN_RETENTION_DAYS = 7;

    private static final Logger LOG = LoggerFactory.getLogger(PruneSnapshotsHandler.class);
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private final S3Client s3;
    private final SnapshotInventory inventory;

    public PruneSnapshotsHandler(final S3Client s3) {
        this.s3 = s3;
        this.inventory = new SnapshotInventory(s3);
    }

    @Override
    public Class<PruneSnapshots> actionType() {
        return PruneSnapshots.class;
    }

    @Override
    public void checkGuards(final PruneSnapshots action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.parameter(action.getBucket() != null && BUCKET.matcher(action.getBucket()).matches()
                && !action.getBucket().contains(".."), "bucket", action.getBucket(), "not an S3 bucket name");
        final String prefix = action.getPrefix();
        guards.parameter(prefix != null && prefix.length() > 1 && prefix.endsWith("/") && !prefix.startsWith("/")
                && !prefix.contains("//") && !prefix.contains(".."), "prefix", prefix,
                "must be one shard's snapshot prefix ending in '/', without '//' or '..'");
        guards.parameter(action.getRetentionDays() >= MIN_RETENTION_DAYS, "retentionDays", action.getRetentionDays(),
                "must be at least " + MIN_RETENTION_DAYS + " days");
        guards.parameter(action.getKeepAtLeast() >= 1, "keepAtLeast", action.getKeepAtLeast(),
                "must be at least 1, so the newest complete snapshot is never deleted");
    }

    @Override
    public StepResult execute(final PruneSnapshots action, final ExecutionContext context) {
        final String bucket = action.getBucket();
        final String source = "s3://" + bucket + "/" + action.getPrefix();
        final Instant issuedAt = context.command().getIssuedAt();
        final Instant cutoff = issuedAt.minus(Duration.ofDays(action.getRetentionDays()));
        final Deadline deadline = new Deadline(context.clock(), context.command().getDeadline());

        // Decide from one listing: which folders go and why every other one stays.
        final List<Decision> decisions = decide(inventory.list(bucket, action.getPrefix(), context), action,
                context.commandId(), cutoff);
        final String header = "retention " + action.getRetentionDays() + " days before issuedAt " + issuedAt
                + ": complete snapshots created before " + cutoff + " may go; the newest " + action.getKeepAtLeast()
                + " complete ones stay";
        final List<Decision> toDelete = decisions.stream().filter(Decision::delete).toList();

        if (context.dryRun()) {
            for (final Decision decision : toDelete) {
                plannedCalls(bucket, decision, context.commandId()).forEach(context::recordCall);
            }
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would delete " + names(toDelete) + " under "
                    + source, List.of(evidence(source, header, decisions, List.of(), "would delete")));
        }

        // Delete folder by folder. The deadline is checked between folders, so a folder once started is finished.
        final List<String> deleted = new ArrayList<>();
        for (final Decision decision : toDelete) {
            if (deadline.passed()) {
                return StepResult.of(OutcomeReason.DEADLINE_PASSED, "deadline " + deadline.at() + " passed after"
                        + " deleting " + deleted.size() + " of " + toDelete.size() + " snapshots under " + source,
                        List.of(evidence(source, header, decisions, deleted, "not deleted before the deadline")));
            }
            deleteFolder(bucket, decision, context);
            deleted.add(decision.folder().folder());
        }
        LOG.info("Snapshots pruned: source=[{}] deleted=[{}] kept=[{}] {}", source, deleted,
                decisions.size() - deleted.size(), context);
        final String detail = toDelete.isEmpty()
                ? "no snapshot under " + source + " is due for deletion; nothing deleted"
                : "deleted " + names(toDelete) + " under " + source + ", kept " + (decisions.size() - toDelete.size());
        return StepResult.of(OutcomeReason.OK, detail, List.of(evidence(source, header, decisions, deleted, "not deleted")));
    }

    /** Decides for every folder whether it goes, in folder name order, each with its reason. */
    static List<Decision> decide(final List<SnapshotFolder> folders, final PruneSnapshots action,
                                 final String commandId, final Instant cutoff) {
        final List<SnapshotFolder> newestFirst = folders.stream()
                .filter(f -> f.complete() && f.pruneMarker() == null)
                .sorted(Comparator.comparing(SnapshotFolder::createdAt).thenComparing(SnapshotFolder::folder).reversed())
                .toList();
        final List<SnapshotFolder> protectedNewest = newestFirst.subList(0,
                Math.min(action.getKeepAtLeast(), newestFirst.size()));
        final List<Decision> decisions = new ArrayList<>();
        for (final SnapshotFolder folder : folders) {
            decisions.add(decideOne(folder, protectedNewest, action.getKeepAtLeast(), commandId, cutoff));
        }
        return decisions;
    }

    private static Decision decideOne(final SnapshotFolder folder, final List<SnapshotFolder> protectedNewest,
                                      final int keepAtLeast, final String commandId, final Instant cutoff) {
        if (folder.pruneMarker() != null) {
            if (commandId.equals(folder.pruneMarker())) {
                return Decision.delete(folder, "an earlier delivery of this command started deleting it");
            }
            return Decision.keep(folder, "left alone: an interrupted prune by command [" + folder.pruneMarker()
                    + "] left its " + SnapshotInventory.PRUNE_MARKER + " here; an operator decides");
        }
        if (!folder.complete()) {
            return Decision.keep(folder, "left alone: incomplete (" + folder.note() + ")");
        }
        if (protectedNewest.contains(folder)) {
            return Decision.keep(folder, "kept: one of the newest " + keepAtLeast + " complete snapshots (created "
                    + folder.createdAt() + ")");
        }
        if (folder.createdAt().isBefore(cutoff)) {
            return Decision.delete(folder, "complete, created " + folder.createdAt()
                    + ", older than the retention");
        }
        return Decision.keep(folder, "kept: complete, created " + folder.createdAt() + ", within the retention");
    }

    private void deleteFolder(final String bucket, final Decision decision, final ExecutionContext context) {
        final SnapshotFolder folder = decision.folder();
        final String markerKey = markerKey(decision);
        if (folder.pruneMarker() == null) {
            s3.putObject(p -> p.bucket(bucket).key(markerKey),
                    RequestBody.fromString(context.commandId(), StandardCharsets.UTF_8));
            context.recordSideEffect("PUT s3://" + bucket + "/" + markerKey);
        }
        // The manifest goes first, so a restore that lists snapshots no longer counts this one as complete.
        for (final String key : folder.keys()) {
            s3.deleteObject(d -> d.bucket(bucket).key(key));
            context.recordSideEffect("DELETE s3://" + bucket + "/" + key);
        }
        s3.deleteObject(d -> d.bucket(bucket).key(markerKey));
        context.recordSideEffect("DELETE s3://" + bucket + "/" + markerKey);
        LOG.info("Snapshot deleted: snapshot=[s3://{}/{}] objects=[{}] {}", bucket, folder.keyPrefix(),
                folder.keys().size(), context);
    }

    private static List<String> plannedCalls(final String bucket, final Decision decision, final String commandId) {
        final List<String> calls = new ArrayList<>();
        final String markerKey = markerKey(decision);
        if (decision.folder().pruneMarker() == null) {
            calls.add("PUT s3://" + bucket + "/" + markerKey);
        }
        decision.folder().keys().forEach(key -> calls.add("DELETE s3://" + bucket + "/" + key));
        calls.add("DELETE s3://" + bucket + "/" + markerKey);
        return calls;
    }

    private static String markerKey(final Decision decision) {
        return decision.folder().keyPrefix() + SnapshotInventory.PRUNE_MARKER;
    }

    /** Builds the evidence: one line per folder, each folder due for deletion marked deleted or {@code pending}. */
    private static Evidence evidence(final String source, final String header, final List<Decision> decisions,
                                     final List<String> deleted, final String pending) {
        final String lines = decisions.stream()
                .map(d -> "- " + d.folder().folder() + "/: " + verdict(d, deleted, pending) + d.reason())
                .collect(Collectors.joining("\n"));
        return Evidences.of("snapshot-prune", source, header + "\n" + (lines.isEmpty() ? "- no snapshots" : lines));
    }

    private static String verdict(final Decision decision, final List<String> deleted, final String pending) {
        if (!decision.delete()) {
            return "";
        }
        return deleted.contains(decision.folder().folder()) ? "deleted: " : pending + ": ";
    }

    private static String names(final List<Decision> decisions) {
        if (decisions.isEmpty()) {
            return "no snapshots";
        }
        return decisions.size() + " snapshots (" + decisions.stream().map(d -> d.folder().folder() + "/")
                .collect(Collectors.joining(", ")) + ")";
    }

    /** Whether one folder goes, and why. */
    record Decision(SnapshotFolder folder, boolean delete, String reason) {

        static Decision delete(final SnapshotFolder folder, final String reason) {
            return new Decision(folder, true, reason);
        }

        static Decision keep(final SnapshotFolder folder, final String reason) {
            return new Decision(folder, false, reason);
        }
    }
}
