package io.ragreactor.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress report of a long read on standard error: records read, the rate and, when the total
 * work is known, the time left. It writes only when a terminal is attached, so piped and redirected runs stay
 * quiet, and it redraws at most every {@link #REDRAW_INTERVAL}. Work is counted in records, or in another unit
 * such as the bytes of an input file when the record count is not known in advance.
 *
 * <p>A command that prints its own lines on the same terminal calls {@link #clear()} before each of them.
 */
public final class Progress implements AutoCloseable {

    /** Minimum time between two redraws of the line. */
    static final Duration REDRAW_INTERVAL = Duration.ofMillis(250);

    private final String label;
    private final long totalWork;
    private final String workUnit;
    private final PrintWriter err;
    private final boolean enabled;
    private final LongSupplier nanoClock;
    private final long startNanos;

    private long records;
    private long workDone;
    private long lastDrawNanos = Long.MIN_VALUE;
    private int drawnLength;

    Progress(final String label, final long totalWork, final String workUnit, final PrintWriter err,
             final boolean enabled, final LongSupplier nanoClock) {
        this.label = label;
        this.totalWork = totalWork;
        this.workUnit = workUnit;
        this.err = err;
        this.enabled = enabled;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /**
     * Starts a report on {@code err} of a read of {@code totalRecords} records (a negative value when unknown),
     * shown only when a terminal is attached.
     */
    public static Progress ofRecords(final String label, final long totalRecords, final PrintWriter err) {
        return new Progress(label, totalRecords, "records", err, terminalAttached(), System::nanoTime);
    }

    /**
     * Starts a report on {@code err} of a read whose work is counted in {@code workUnit} (for example bytes) with
     * {@code totalWork} in all (a negative value when unknown), shown only when a terminal is attached.
     */
    public static Progress ofWork(final String label, final long totalWork, final String workUnit,
                                  final PrintWriter err) {
        return new Progress(label, totalWork, workUnit, err, terminalAttached(), System::nanoTime);
    }

    /** Counts {@code count} more records, each one unit of work. */
    public void advance(final long count) {
        advance(count, count);
    }

    /** Counts {@code count} more records and {@code work} more units of work. */
    public void advance(final long count, final long work) {
        records += count;
        workDone += work;
        if (!enabled) {
            return;
        }
        final long now = nanoClock.getAsLong();
        if (lastDrawNanos != Long.MIN_VALUE && now - lastDrawNanos < REDRAW_INTERVAL.toNanos()) {
            return;
        }
        lastDrawNanos = now;
        draw(describe(now));
    }

    /** Returns the records counted so far. */
    public long records() {
        return records;
    }

    /** Erases the line, so that the next line of output starts at the left margin; the next advance redraws it. */
    public void clear() {
        if (enabled && drawnLength > 0) {
            err.print("\r" + " ".repeat(drawnLength) + "\r");
            err.flush();
            drawnLength = 0;
            lastDrawNanos = Long.MIN_VALUE;
        }
    }

    /** Erases the line. */
    @Override
    public void close() {
        clear();
    }

    /** Describes the progress at {@code nowNanos}, for example {@code rag.incidents: 1,200 of 5,000 records, ...}. */
    String describe(final long nowNanos) {
        final double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        final StringBuilder text = new StringBuilder(label).append(": ");
        final boolean workIsRecords = workUnit.equals("records");
        text.append(String.format(Locale.ROOT, "%,d", records));
        if (workIsRecords && totalWork >= 0) {
            text.append(String.format(Locale.ROOT, " of %,d", totalWork));
        }
        text.append(" records, ").append(String.format(Locale.ROOT, "%,.0f", records / seconds)).append(" records/s");
        if (!workIsRecords && totalWork > 0) {
            text.append(String.format(Locale.ROOT, ", %d%% of %,d %s", Math.min(100, workDone * 100 / totalWork),
                    totalWork, workUnit));
        }
        if (totalWork > 0 && workDone > 0 && workDone < totalWork) {
            final long secondsLeft = Math.round((totalWork - workDone) / (workDone / seconds));
            text.append(", about ").append(formatSeconds(secondsLeft)).append(" left");
        }
        return text.toString();
    }

    private void draw(final String text) {
        final String padded = text.length() < drawnLength ? text + " ".repeat(drawnLength - text.length()) : text;
        err.print("\r" + padded);
        err.flush();
        drawnLength = text.length();
    }

    private static String formatSeconds(final long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return (seconds / 60) + " min " + (seconds % 60) + " s";
        }
        return (seconds / 3600) + " h " + (seconds % 3600 / 60) + " min";
    }

    /**
     * Whether standard input and output are a terminal. Up to Java 21 {@link System#console()} is null otherwise.
     * From Java 22 it returns a console for redirected streams too, and {@code Console.isTerminal()} distinguishes
     * them, so that method is called when it exists.
     */
    static boolean terminalAttached() {
        final Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            final Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (final NoSuchMethodException e) {
            return true;
        } catch (final ReflectiveOperationException e) {
            return false;
        }
    }
}
