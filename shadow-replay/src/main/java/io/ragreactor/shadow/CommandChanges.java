package io.ragreactor.shadow;

import io.ragreactor.schemas.command.RecoveryCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/** Lists what differs between two commands with one id, one readable item per field. */
final class CommandChanges {

    /** Maximum length of one value in a change. A longer value is cut around its first difference and marked with ellipses. */
    private static final int MAX_VALUE_CHARS = 120;

    private CommandChanges() {
    }

    static List<String> between(final RecoveryCommand before, final RecoveryCommand after) {
        final List<String> changes = new ArrayList<>();
        if (!before.getTarget().equals(after.getTarget())) {
            changes.add("target " + before.getTarget() + " -> " + after.getTarget());
        }
        final Duration shift = Duration.between(before.getIssuedAt(), after.getIssuedAt());
        if (!shift.isZero()) {
            changes.add("issued " + before.getIssuedAt() + " -> " + after.getIssuedAt() + " ("
                    + readable(shift.abs()) + (shift.isNegative() ? " earlier)" : " later)"));
        }
        // A deadline that moves with the issue time is no change of its own.
        final Duration deadlineBefore = Duration.between(before.getIssuedAt(), before.getDeadline());
        final Duration deadlineAfter = Duration.between(after.getIssuedAt(), after.getDeadline());
        if (!deadlineBefore.equals(deadlineAfter)) {
            changes.add("deadline " + readable(deadlineBefore) + " -> " + readable(deadlineAfter) + " after issue");
        }
        if (before.getDryRun() != after.getDryRun()) {
            changes.add("dryRun " + before.getDryRun() + " -> " + after.getDryRun());
        }
        compareValues("action", before.getAction(), after.getAction(), changes);
        return changes;
    }

    /**
     * Adds the differences of two values: field by field when both are records of one schema, element by
     * element when both are lists of one size, and as the two values otherwise.
     */
    private static void compareValues(final String path, final Object before, final Object after,
                                      final List<String> changes) {
        if (Objects.equals(before, after)) {
            return;
        }
        if (before instanceof IndexedRecord left && after instanceof IndexedRecord right) {
            if (!left.getSchema().getFullName().equals(right.getSchema().getFullName())) {
                changes.add(path + " " + left.getSchema().getName() + " -> " + right.getSchema().getName());
                return;
            }
            for (final Schema.Field field : left.getSchema().getFields()) {
                compareValues(path + "." + field.name(), left.get(field.pos()), right.get(field.pos()), changes);
            }
            return;
        }
        if (before instanceof List<?> left && after instanceof List<?> right && left.size() == right.size()) {
            for (int i = 0; i < left.size(); i++) {
                compareValues(path + "[" + i + "]", left.get(i), right.get(i), changes);
            }
            return;
        }
        final String beforeText = String.valueOf(before);
        final String afterText = String.valueOf(after);
        final int from = excerptStart(beforeText, afterText);
        changes.add(path + " " + excerpt(beforeText, from) + " -> " + excerpt(afterText, from));
    }

    /**
     * Returns where the excerpts of two long texts start: shortly before their first difference, so that
     * a change deep inside a long value stays visible. Short texts are shown whole.
     */
    private static int excerptStart(final String before, final String after) {
        if (before.length() <= MAX_VALUE_CHARS && after.length() <= MAX_VALUE_CHARS) {
            return 0;
        }
        int common = 0;
        while (common < before.length() && common < after.length() && before.charAt(common) == after.charAt(common)) {
            common++;
        }
        return Math.max(0, common - MAX_VALUE_CHARS / 3);
    }

    private static String excerpt(final String text, final int from) {
        final int start = Math.min(from, text.length());
        final int end = Math.min(text.length(), start + MAX_VALUE_CHARS);
        return (start > 0 ? "..." : "") + text.substring(start, end) + (end < text.length() ? "..." : "");
    }

    /** Renders a duration as hours, minutes and seconds with milliseconds, for example {@code 1m 31.765s} or {@code 2h}. */
    static String readable(final Duration duration) {
        final StringBuilder text = new StringBuilder(duration.isNegative() ? "-" : "");
        final Duration positive = duration.abs();
        if (positive.toHours() > 0) {
            text.append(positive.toHours()).append("h ");
        }
        if (positive.toMinutesPart() > 0) {
            text.append(positive.toMinutesPart()).append("m ");
        }
        final int seconds = positive.toSecondsPart();
        final int millis = positive.toMillisPart();
        if (seconds == 0 && millis == 0 && positive.toMinutes() > 0) {
            return text.toString().trim();
        }
        text.append(seconds);
        if (millis > 0) {
            text.append('.').append(String.format(Locale.ROOT, "%03d", millis));
        }
        return text.append('s').toString();
    }
}
