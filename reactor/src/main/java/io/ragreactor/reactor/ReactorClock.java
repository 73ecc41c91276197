package io.ragreactor.reactor;

import java.util.Locale;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * The one clock every timer reads. Live it is the wall clock; in a replay it is stream time, driven by
 * the recorded timestamps of all input topics, so deadlines fire at the same points of the recording.
 * Decisions never carry this clock's reading: they carry times computed from event times and durations.
 */
public enum ReactorClock {
    WALL(PunctuationType.WALL_CLOCK_TIME),
    STREAM(PunctuationType.STREAM_TIME);

    private final PunctuationType punctuationType;

    ReactorClock(final PunctuationType punctuationType) {
        this.punctuationType = punctuationType;
    }

    public PunctuationType punctuationType() {
        return punctuationType;
    }

    /** Returns the clock's current reading in a processor. */
    public long now(final ProcessorContext<?, ?> context) {
        return this == WALL ? context.currentSystemTimeMs() : context.currentStreamTimeMs();
    }

    public static ReactorClock parse(final String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}
