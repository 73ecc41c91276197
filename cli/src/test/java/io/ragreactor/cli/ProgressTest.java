package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Checks the progress line's text, its rate limit and that it stays quiet without a terminal. */
class ProgressTest {

    private static final long SECOND = 1_000_000_000L;

    private final StringWriter written = new StringWriter();
    private final AtomicLong clock = new AtomicLong();

    @Test
    void describesRecordsRateAndTimeLeft() {
        final Progress progress = new Progress("rag.incidents", 5000, "records", new PrintWriter(written), true,
                clock::get);

        clock.set(2 * SECOND);
        progress.advance(1000);

        assertThat(written.toString()).isEqualTo("\rrag.incidents: 1,000 of 5,000 records, 500 records/s,"
                + " about 8 s left");
    }

    @Test
    void describesWorkInBytes() {
        final Progress progress = new Progress("produce big.jsonl", 4_000_000, "bytes", new PrintWriter(written),
                true, clock::get);

        clock.set(10 * SECOND);
        progress.advance(3000, 1_000_000);

        assertThat(written.toString()).isEqualTo("\rproduce big.jsonl: 3,000 records, 300 records/s, 25% of"
                + " 4,000,000 bytes, about 30 s left");
    }

    @Test
    void omitsTimeLeftWhenTotalUnknown() {
        final Progress progress = new Progress("catching up", -1, "records", new PrintWriter(written), true,
                clock::get);

        clock.set(SECOND);
        progress.advance(42);

        assertThat(written.toString()).isEqualTo("\rcatching up: 42 records, 42 records/s");
    }

    @Test
    void redrawsAtMostEveryInterval() {
        final Progress progress = new Progress("read", 100, "records", new PrintWriter(written), true, clock::get);

        clock.set(SECOND);
        progress.advance(1);
        clock.addAndGet(Progress.REDRAW_INTERVAL.toNanos() / 2);
        progress.advance(1);

        assertThat(written.toString()).doesNotContain("2 of 100");
        clock.addAndGet(Progress.REDRAW_INTERVAL.toNanos());
        progress.advance(1);
        assertThat(written.toString()).contains("3 of 100");
        assertThat(progress.records()).isEqualTo(3);
    }

    @Test
    void clearErasesLine() {
        final Progress progress = new Progress("read", 100, "records", new PrintWriter(written), true, clock::get);
        clock.set(SECOND);
        progress.advance(1);
        final int drawn = written.toString().length() - 1;

        progress.clear();

        assertThat(written.toString()).endsWith("\r" + " ".repeat(drawn) + "\r");
    }

    @Test
    void quietWithoutTerminal() {
        final Progress progress = new Progress("read", 100, "records", new PrintWriter(written), false, clock::get);

        clock.set(SECOND);
        progress.advance(50);
        progress.close();

        assertThat(written.toString()).isEmpty();
        assertThat(progress.records()).isEqualTo(50);
    }
}
