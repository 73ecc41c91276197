package io.ragreactor.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;

/**
 * The start of a read: a point in time, or a duration before the moment the command runs.
 *
 * @param at  the point in time, or null when {@code ago} is set
 * @param ago the duration before now, or null when {@code at} is set
 */
record StartPoint(Instant at, Duration ago) {

    /** Returns the point in time this start point means at {@code now}. */
    Instant resolve(final Instant now) {
        return at != null ? at : now.minus(ago);
    }

    /**
     * Converts {@code 2026-11-30T09:12:00Z} (an ISO-8601 instant, or a date and time with an offset such as
     * {@code +01:00}) or a duration ago ({@code 15m}, {@code 2h}) to a start point.
     */
    static final class Converter implements CommandLine.ITypeConverter<StartPoint> {

        @Override
        public StartPoint convert(final String value) {
            final String text = value.trim();
            if (text.length() > 10 && Character.isDigit(text.charAt(0)) && text.charAt(4) == '-') {
                try {
                    return new StartPoint(OffsetDateTime.parse(text).toInstant(), null);
                } catch (final DateTimeParseException e) {
                    throw new CommandLine.TypeConversionException("expected an ISO-8601 time such as"
                            + " 2026-11-30T09:12:00Z, or a duration ago such as 15m or 2h, got '" + value + "'");
                }
            }
            return new StartPoint(null, DurationConverter.parse(text));
        }
    }
}
