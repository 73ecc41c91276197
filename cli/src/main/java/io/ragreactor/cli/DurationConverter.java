package io.ragreactor.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Converts an option value such as {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h} or {@code 1d}, the
 * runbook file's duration syntax, to a positive {@link Duration}. ISO-8601 durations such as {@code PT15M}
 * are accepted too.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern SHORT_FORM = Pattern.compile("^([0-9]{1,12})(ms|s|m|h|d)$");

    @Override
    public Duration convert(final String value) {
        return parse(value);
    }

    /**
     * Parses {@code text}.
     *
     * @throws CommandLine.TypeConversionException when it is no duration or not longer than zero
     */
    static Duration parse(final String text) {
        final String trimmed = text.trim();
        final Matcher matcher = SHORT_FORM.matcher(trimmed.toLowerCase(Locale.ROOT));
        final Duration duration;
        if (matcher.matches()) {
            final long amount = Long.parseLong(matcher.group(1));
            duration = switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } else if (trimmed.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                duration = Duration.parse(trimmed.toUpperCase(Locale.ROOT));
            } catch (final java.time.format.DateTimeParseException e) {
                throw invalid(text);
            }
        } else {
            throw invalid(text);
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new CommandLine.TypeConversionException("duration '" + text + "' must be longer than zero");
        }
        return duration;
    }

    private static CommandLine.TypeConversionException invalid(final String text) {
        return new CommandLine.TypeConversionException("expected a duration such as 500ms, 30s, 15m, 2h or 1d,"
                + " got '" + text + "'");
    }
}
