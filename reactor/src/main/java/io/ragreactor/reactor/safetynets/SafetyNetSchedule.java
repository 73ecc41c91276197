package io.ragreactor.reactor.safetynets;

import io.ragreactor.reactor.control.ControlView;
import io.ragreactor.reactor.incident.IncidentIds;
import io.ragreactor.reactor.incident.TrackedTarget;
import io.ragreactor.reactor.sharddown.ShardDownCommands;
import io.ragreactor.reactor.sharddown.ShardDownStep;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.SafetyNets;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.runbook.Templates;
import io.ragreactor.schemas.command.CreateSnapshot;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.ProbeProviderCredentials;
import io.ragreactor.schemas.command.PruneSnapshots;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RestoreDrill;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runbook's safety nets as scheduled commands. Every shard the reactor has seen gets a daily snapshot,
 * with retention that skips shards with an active incident, and a monthly restore drill into a scratch
 * namespace. The backup provider's credentials are probed periodically.
 *
 * <p>Each command belongs to its schedule slot (for example 01:00 UTC of one day), not to the moment a
 * timer noticed the slot: its id, issue time and deadline derive from the slot, so a replay or a restart
 * produces the same command and actuators drop the repeat by its id. The kill switch and maintenance
 * windows hold scheduled commands back until they end. A scheduled command that fails is escalated.
 */
public final class SafetyNetSchedule {

    /** Prefix of the ids that stand in for an incident id in scheduled commands. */
    public static final String ID_PREFIX = "sn-";

    public static final String SNAPSHOT = "snapshot";
    public static final String PRUNE = "prune-snapshots";
    public static final String DRILL = "restore-drill";
    public static final String PROBE = "probe-credentials";

    private static final Logger LOG = LoggerFactory.getLogger(SafetyNetSchedule.class);
    /** Delay before a scan that held a command back runs again. */
    private static final Duration HELD_RETRY = Duration.ofMinutes(1);

    /** Result of {@link #issueDue} for one target. */
    public enum Result {
        UNCHANGED,
        CHANGED,
        /** A command was due but held back by the kill switch or a maintenance window; it stays due. */
        HELD
    }

    private final Runbook runbook;
    private final SafetyNets nets;
    private final ShardDownCommands shardCommands;
    private final boolean dryRunAll;
    private Instant lastProbeSlot;
    private Instant scannedDailySlot;
    private Instant scannedMonthlySlot;
    private Instant retryHeldAt;

    public SafetyNetSchedule(final Runbook runbook, final boolean dryRunAll) {
        this.runbook = runbook;
        this.nets = runbook.safetyNets();
        this.shardCommands = new ShardDownCommands(runbook);
        this.dryRunAll = dryRunAll;
    }

    /** Returns whether {@code outcome} belongs to a scheduled command rather than to an incident's step. */
    public boolean isScheduled(final RecoveryOutcome outcome) {
        return outcome.getIncidentId().startsWith(ID_PREFIX);
    }

    /** Returns the escalation of a scheduled command that did not succeed; empty when it did. */
    public Optional<RecoveryCommand> onOutcome(final TrackedTarget tracked, final RecoveryOutcome outcome) {
        if (outcome.getStatus() == OutcomeStatus.SUCCEEDED || outcome.getStep().equals("escalate")) {
            LOG.info("Scheduled command=[{}] target=[{}] ended {}", outcome.getCommandId(), tracked.target(),
                    outcome.getStatus());
            return Optional.empty();
        }
        LOG.warn("Scheduled command=[{}] target=[{}] ended {}: {}", outcome.getCommandId(), tracked.target(),
                outcome.getStatus(), outcome.getDetail());
        final List<Evidence> evidence = new ArrayList<>(outcome.getEvidence());
        evidence.add(new Evidence("outcome", outcome.getCommandId(), outcome.getStatus() + " (" + outcome.getReason()
                + "): " + outcome.getDetail(), false));
        final Escalate escalate = Escalate.newBuilder()
                .setChannel(runbook.escalation().channel())
                .setSeverity(runbook.escalation().severity())
                .setSummary("safety net " + outcome.getStep() + " of " + tracked.target() + " did not succeed: "
                        + outcome.getDetail())
                .setEvidence(evidence)
                .build();
        return Optional.of(command(outcome.getIncidentId(), "escalate", tracked.target(), outcome.getFinishedAt(),
                runbook.escalation().deadline(), false, List.of("outcome:" + outcome.getCommandId()), escalate));
    }

    /** Starts the schedules of a shard seen for the first time at {@code at}: its first snapshot is the next slot's. */
    public void startTracking(final TrackedTarget tracked, final Instant at) {
        if (tracked.target().component().equals(runbook.shardDown().component())) {
            tracked.state().setLastSnapshotAt(dailySlot(at, nets.snapshots().at()));
            tracked.state().setLastDrillAt(monthlySlot(at, nets.restoreDrill().dayOfMonth(), nets.restoreDrill().at()));
        }
    }

    /**
     * Returns whether the shards need a scan at {@code now}: a daily or monthly slot has come since the last
     * complete scan, or a command held back at the last scan may go out now.
     */
    public boolean scanDue(final Instant now) {
        if (!nets.snapshots().enabled() && !nets.restoreDrill().enabled()) {
            return false;
        }
        if (retryHeldAt != null) {
            return !now.isBefore(retryHeldAt);
        }
        return !dailySlot(now, nets.snapshots().at()).equals(scannedDailySlot)
                || !monthlySlot(now, nets.restoreDrill().dayOfMonth(), nets.restoreDrill().at()).equals(scannedMonthlySlot);
    }

    /** Records a scan of every shard at {@code now}; a scan that held a command back is repeated a minute later. */
    public void scanFinished(final Instant now, final boolean held) {
        scannedDailySlot = dailySlot(now, nets.snapshots().at());
        scannedMonthlySlot = monthlySlot(now, nets.restoreDrill().dayOfMonth(), nets.restoreDrill().at());
        retryHeldAt = held ? now.plus(HELD_RETRY) : null;
    }

    /** Issues the snapshot and drill commands of a shard whose slot has come since its last one. */
    public Result issueDue(final TrackedTarget tracked, final Instant now, final ControlView control,
                           final Consumer<RecoveryCommand> out) {
        final Target target = tracked.target();
        if (!target.component().equals(runbook.shardDown().component())) {
            return Result.UNCHANGED;
        }
        final TargetState state = tracked.state();
        Result result = Result.UNCHANGED;
        if (nets.snapshots().enabled()) {
            final Instant slot = dailySlot(now, nets.snapshots().at());
            if (state.getLastSnapshotAt() == null) {
                state.setLastSnapshotAt(slot);
                result = max(result, Result.CHANGED);
            } else if (slot.isAfter(state.getLastSnapshotAt())) {
                if (notHeld(control, target, slot, SNAPSHOT)) {
                    snapshot(tracked, slot, out);
                    state.setLastSnapshotAt(slot);
                    result = max(result, Result.CHANGED);
                } else {
                    result = Result.HELD;
                }
            }
        }
        if (nets.restoreDrill().enabled()) {
            final Instant slot = monthlySlot(now, nets.restoreDrill().dayOfMonth(), nets.restoreDrill().at());
            if (state.getLastDrillAt() == null) {
                state.setLastDrillAt(slot);
                result = max(result, Result.CHANGED);
            } else if (slot.isAfter(state.getLastDrillAt())) {
                if (notHeld(control, target, slot, DRILL)) {
                    drill(target, slot, out);
                    state.setLastDrillAt(slot);
                    result = max(result, Result.CHANGED);
                } else {
                    result = Result.HELD;
                }
            }
        }
        return result;
    }

    /** HELD over CHANGED over UNCHANGED: a held command must keep the state saved and the scan repeated. */
    private static Result max(final Result first, final Result second) {
        return first.ordinal() >= second.ordinal() ? first : second;
    }

    /**
     * Issues the credential probe of the backup provider when its slot has come. Only the task of
     * partition 0 issues it, so one probe goes out per slot however many tasks run. The last slot is kept
     * in memory only: a restarted reactor begins with the next slot.
     */
    public void issueFleetWide(final Instant now, final int taskPartition, final ControlView control,
                               final Consumer<RecoveryCommand> out) {
        final SafetyNets.CredentialProbe probe = nets.credentialProbe();
        if (!probe.enabled() || taskPartition != 0) {
            return;
        }
        final long every = probe.every().toMillis();
        final Instant slot = Instant.ofEpochMilli(now.toEpochMilli() - Math.floorMod(now.toEpochMilli(), every));
        if (lastProbeSlot == null) {
            // Like a newly seen shard, a newly started reactor begins with the next slot.
            lastProbeSlot = slot;
            return;
        }
        if (!slot.isAfter(lastProbeSlot)) {
            return;
        }
        final Target target = new Target(runbook.namespace(), runbook.providerOutage().component(), probe.provider());
        if (control.blocksAutomation(target, slot).isPresent()) {
            return;
        }
        lastProbeSlot = slot;
        final ProbeProviderCredentials action = new ProbeProviderCredentials(probe.provider(), probe.probeUrl(),
                probe.credentialRef());
        out.accept(command(scheduleId(target, PROBE, slot), PROBE, target, slot, probe.deadline(),
                dryRun("providerOutage"), causes(PROBE, slot), action));
    }

    private void snapshot(final TrackedTarget tracked, final Instant slot, final Consumer<RecoveryCommand> out) {
        final Target target = tracked.target();
        final SafetyNets.Snapshots snapshots = nets.snapshots();
        final ShardDownSettings.Restore restore = runbook.shardDown().steps().restore();
        final Map<String, String> values = Map.of("shard", target.instance(), "namespace", target.namespace());
        final String prefix = Templates.render(restore.prefixTemplate(), values);
        final ShardDownSettings.JobTemplate job = snapshots.job();
        final CreateSnapshot create = new CreateSnapshot(target.namespace(), target.instance(), restore.bucket(), prefix,
                new JobSpec(Templates.render(job.namePrefixTemplate(), values), job.image(),
                        new ArrayList<>(job.command()), Map.of(), job.backoffLimit(), job.activeDeadline().toSeconds()));
        final String id = scheduleId(target, SNAPSHOT, slot);
        out.accept(command(id, SNAPSHOT, target, slot, snapshots.deadline(), dryRun("shardDown"), causes(SNAPSHOT, slot),
                create));
        if (tracked.incident() != null) {
            // Evidence first: the snapshots of a shard under an incident may be all that is left of its index.
            LOG.info("Not pruning snapshots of target=[{}]: incident=[{}] is active", target,
                    tracked.incident().getIncidentId());
            return;
        }
        out.accept(command(id, PRUNE, target, slot, snapshots.deadline(), dryRun("shardDown"), causes(PRUNE, slot),
                new PruneSnapshots(restore.bucket(), prefix, snapshots.retentionDays(), snapshots.keepAtLeast())));
    }

    private void drill(final Target target, final Instant slot, final Consumer<RecoveryCommand> out) {
        final SafetyNets.RestoreDrill drill = nets.restoreDrill();
        final Target scratch = new Target(drill.scratchNamespace(), target.component(), target.instance());
        final RestoreSnapshot restore = (RestoreSnapshot) shardCommands.action(ShardDownStep.RESTORE, scratch);
        // The runbook's retriever URL names {namespace}, so the drill's golden queries reach the scratch copy.
        final ValidateGoldenQueries validation = (ValidateGoldenQueries) shardCommands.action(ShardDownStep.VALIDATE,
                scratch);
        out.accept(command(scheduleId(target, DRILL, slot), DRILL, target, slot, drill.deadline(), dryRun("shardDown"),
                causes(DRILL, slot), new RestoreDrill(drill.scratchNamespace(), restore, validation)));
    }

    private boolean notHeld(final ControlView control, final Target target, final Instant slot, final String kind) {
        final Optional<ControlView.Hold> hold = control.blocksAutomation(target, slot);
        hold.ifPresent(h -> LOG.debug("Holding back {} of target=[{}]: {}", kind, target, h.reason()));
        return hold.isEmpty();
    }

    private boolean dryRun(final String scenarioKey) {
        return dryRunAll || runbook.policies().dryRun().appliesTo(scenarioKey);
    }

    private RecoveryCommand command(final String scheduleId, final String step, final Target target,
                                    final Instant issuedAt, final Duration deadline, final boolean dryRun,
                                    final List<String> causes, final Object action) {
        return RecoveryCommand.newBuilder()
                .setCommandId(IncidentIds.commandId(scheduleId, step, 1))
                .setIncidentId(scheduleId)
                .setStep(step)
                .setAttempt(1)
                .setTarget(target.toString())
                .setIssuedAt(issuedAt)
                .setDeadline(issuedAt.plus(deadline))
                .setDryRun(dryRun)
                .setRunbookVersion(runbook.version())
                .setCauseEventIds(new ArrayList<>(causes))
                .setAction(action)
                .build();
    }

    /** {@code sn-} and 16 hex digits derived from the target, the kind of safety net and the slot. */
    static String scheduleId(final Target target, final String kind, final Instant slot) {
        return ID_PREFIX + IncidentIds.incidentId(target + "|" + kind, slot.toEpochMilli()).substring("inc-".length());
    }

    private static List<String> causes(final String kind, final Instant slot) {
        return List.of("schedule:" + kind + "@" + slot);
    }

    /** Returns the latest instant at or before {@code now} at time of day {@code at}, UTC. */
    static Instant dailySlot(final Instant now, final LocalTime at) {
        final ZonedDateTime today = now.atZone(ZoneOffset.UTC).toLocalDate().atTime(at).atZone(ZoneOffset.UTC);
        return today.toInstant().isAfter(now) ? today.minusDays(1).toInstant() : today.toInstant();
    }

    /** Returns the latest instant at or before {@code now} on day {@code dayOfMonth} at {@code at}, UTC. */
    static Instant monthlySlot(final Instant now, final int dayOfMonth, final LocalTime at) {
        final LocalDate date = now.atZone(ZoneOffset.UTC).toLocalDate();
        final ZonedDateTime thisMonth = date.withDayOfMonth(dayOfMonth).atTime(at).atZone(ZoneOffset.UTC);
        return thisMonth.toInstant().isAfter(now) ? thisMonth.minusMonths(1).toInstant() : thisMonth.toInstant();
    }
}
