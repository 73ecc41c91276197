package io.ragreactor.postmortem;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/** Text forms shared by the Markdown and SVG writers: UTC times, durations, escaping and file names. */
final class Formats {

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** ASCII punctuation that CommonMark or GFM tables would read as markup inside a line. */
    private static final String MARKDOWN_SPECIAL = "\\`*_[]<>|~#&!";
    private static final int MAX_FILE_NAME = 100;

    private Formats() {
    }

    /** Formats {@code at} as {@code 2026-11-30 09:21:04.402} in UTC. */
    static String dateTime(final Instant at) {
        return DATE_TIME.format(at);
    }

    /** Formats {@code at} as {@code 09:21:04} in UTC. */
    static String clock(final Instant at) {
        return CLOCK.format(at);
    }

    /** Formats {@code duration} as {@code 350 ms}, {@code 4.250 s}, {@code 2 min 5.250 s} or {@code 1 h 2 min 5.250 s}. */
    static String duration(final Duration duration) {
        final long millis = duration.toMillis();
        if (Math.abs(millis) < 1_000) {
            return millis + " ms";
        }
        final String sign = millis < 0 ? "-" : "";
        final long abs = Math.abs(millis);
        final long hours = abs / 3_600_000;
        final long minutes = abs / 60_000 % 60;
        final String seconds = String.format(Locale.ROOT, "%d.%03d s", abs / 1_000 % 60, abs % 1_000);
        if (hours > 0) {
            return sign + hours + " h " + minutes + " min " + seconds;
        }
        return minutes > 0 ? sign + minutes + " min " + seconds : sign + seconds;
    }

    static String duration(final Optional<Duration> duration, final String whenEmpty) {
        return duration.map(Formats::duration).orElse(whenEmpty);
    }

    /**
     * Escapes {@code value} for a Markdown line or table cell: markup characters get a backslash, and line
     * breaks become spaces so a value stays in its line or cell.
     */
    static String markdown(final String value) {
        final StringBuilder escaped = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                escaped.append(' ');
            } else if (MARKDOWN_SPECIAL.indexOf(c) >= 0) {
                escaped.append('\\').append(c);
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** Escapes {@code value} for XML text and attribute values, dropping characters XML 1.0 cannot contain. */
    static String xml(final String value) {
        final StringBuilder escaped = new StringBuilder(value.length() + 16);
        value.codePoints().forEach(c -> {
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&apos;");
                default -> {
                    final boolean allowed = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF)
                            || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
                    if (allowed) {
                        escaped.appendCodePoint(c);
                    }
                }
            }
        });
        return escaped.toString();
    }

    /**
     * Returns a file name stem for {@code id}: letters, digits, dot, dash and underscore kept, anything else
     * replaced by an underscore, no leading dot, at most 100 characters.
     */
    static String fileStem(final String id) {
        final StringBuilder stem = new StringBuilder();
        for (int i = 0; i < id.length() && stem.length() < MAX_FILE_NAME; i++) {
            final char c = id.charAt(i);
            final boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || (c == '.' && stem.length() > 0);
            stem.append(safe ? c : '_');
        }
        return stem.isEmpty() ? "incident" : stem.toString();
    }
}
