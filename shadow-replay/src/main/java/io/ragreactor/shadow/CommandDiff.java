package io.ragreactor.shadow;

import io.ragreactor.schemas.command.RecoveryCommand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The differences between the commands recorded at the time and those of a shadow replay, in time order.
 * Commands match by command id, which the reactor derives from incident id, step and attempt, and a pair
 * with one id is changed when its action, issue time, deadline, dry-run flag or target differ. The runbook
 * version and the cause event ids are not compared: an edited runbook carries a new version, and the causes
 * explain a command without changing what it does.
 */
public final class CommandDiff {

    private static final Logger LOG = LoggerFactory.getLogger(CommandDiff.class);

    /** The kind of a difference. */
    public enum Kind {
        ONLY_RECORDED("only recorded"),
        ONLY_SHADOW("only in shadow"),
        CHANGED("changed");

        private final String label;

        Kind(final String label) {
            this.label = label;
        }

        /** Returns the kind as the text rendering shows it. */
        public String label() {
            return label;
        }
    }

    /**
     * One command that differs.
     *
     * @param kind how it differs
     * @param at the issue time of the command, or for a changed one the earlier of the two issue times
     * @param target the command's target, namespace/component/instance
     * @param commandId the command id both sides share, or the one side's id
     * @param recorded the recorded command, null for {@link Kind#ONLY_SHADOW}
     * @param shadow the shadow's command, null for {@link Kind#ONLY_RECORDED}
     * @param changes for {@link Kind#CHANGED}, one readable item per changed field, and empty otherwise
     */
    public record Difference(Kind kind, Instant at, String target, String commandId, RecoveryCommand recorded,
                             RecoveryCommand shadow, List<String> changes) {

        public Difference {
            changes = List.copyOf(changes);
        }

        /** Renders the difference as one line: time, kind, target, command id and what differs. */
        public String render() {
            final String detail = kind == Kind.CHANGED ? String.join("; ", changes)
                    : actionName(kind == Kind.ONLY_RECORDED ? recorded : shadow);
            return String.format(Locale.ROOT, "%s  %-14s  %s  %s: %s", at, kind.label(), target, commandId, detail);
        }
    }

    private final List<Difference> differences;
    private final int recordedCount;
    private final int shadowCount;

    private CommandDiff(final List<Difference> differences, final int recordedCount, final int shadowCount) {
        this.differences = List.copyOf(differences);
        this.recordedCount = recordedCount;
        this.shadowCount = shadowCount;
    }

    /**
     * Compares {@code recorded} with {@code shadow}. Each list may be in any order. When one contains a
     * command id more than once, its first command is compared and the repeat is logged.
     */
    public static CommandDiff compare(final List<RecoveryCommand> recorded, final List<RecoveryCommand> shadow) {
        final Map<String, RecoveryCommand> recordedById = byId(recorded, "recorded");
        final Map<String, RecoveryCommand> shadowById = byId(shadow, "shadow");
        final List<Difference> differences = new ArrayList<>();

        for (final RecoveryCommand before : recordedById.values()) {
            final RecoveryCommand after = shadowById.get(before.getCommandId());
            if (after == null) {
                differences.add(new Difference(Kind.ONLY_RECORDED, before.getIssuedAt(), before.getTarget(),
                        before.getCommandId(), before, null, List.of()));
                continue;
            }
            final List<String> changes = CommandChanges.between(before, after);
            if (!changes.isEmpty()) {
                final Instant at = before.getIssuedAt().isBefore(after.getIssuedAt()) ? before.getIssuedAt()
                        : after.getIssuedAt();
                differences.add(new Difference(Kind.CHANGED, at, before.getTarget(), before.getCommandId(), before,
                        after, changes));
            }
        }
        for (final RecoveryCommand after : shadowById.values()) {
            if (!recordedById.containsKey(after.getCommandId())) {
                differences.add(new Difference(Kind.ONLY_SHADOW, after.getIssuedAt(), after.getTarget(),
                        after.getCommandId(), null, after, List.of()));
            }
        }

        differences.sort(Comparator.comparing(Difference::at).thenComparing(Difference::commandId)
                .thenComparing(Difference::kind));
        return new CommandDiff(differences, recordedById.size(), shadowById.size());
    }

    /** Returns the differences in time order, none when the shadow issued exactly the recorded commands. */
    public List<Difference> differences() {
        return differences;
    }

    public boolean isEmpty() {
        return differences.isEmpty();
    }

    /** Returns how many differences are of {@code kind}. */
    public int count(final Kind kind) {
        return (int) differences.stream().filter(difference -> difference.kind() == kind).count();
    }

    /** Returns one line with the counts, for example {@code 2 differences in 6 recorded and 5 shadow commands: ...}. */
    public String summary() {
        final String compared = recordedCount + " recorded and " + shadowCount + " shadow commands";
        if (differences.isEmpty()) {
            return "no differences in " + compared;
        }
        return differences.size() + (differences.size() == 1 ? " difference" : " differences") + " in " + compared
                + ": " + count(Kind.ONLY_RECORDED) + " " + Kind.ONLY_RECORDED.label() + ", "
                + count(Kind.ONLY_SHADOW) + " " + Kind.ONLY_SHADOW.label() + ", "
                + count(Kind.CHANGED) + " " + Kind.CHANGED.label();
    }

    /** Renders every difference as one line, in time order. */
    public List<String> render() {
        return differences.stream().map(Difference::render).toList();
    }

    @Override
    public String toString() {
        return summary();
    }

    private static Map<String, RecoveryCommand> byId(final List<RecoveryCommand> commands, final String side) {
        final Map<String, RecoveryCommand> byId = new LinkedHashMap<>();
        int repeats = 0;
        for (final RecoveryCommand command : commands) {
            if (byId.putIfAbsent(command.getCommandId(), command) != null) {
                repeats++;
            }
        }
        if (repeats > 0) {
            LOG.warn("The {} commands repeat command ids {} time(s); only the first command of each id is compared",
                    side, repeats);
        }
        return byId;
    }

    private static String actionName(final RecoveryCommand command) {
        return command.getAction() == null ? "no action" : command.getAction().getClass().getSimpleName();
    }
}
