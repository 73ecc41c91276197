package io.ragreactor.ingress;

import io.ragreactor.schemas.health.HealthEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * Reads lines in a native format, parses each with a {@link LineParser} and publishes each event. Bad lines
 * are dead-lettered with their reason, and no line is dropped silently. With a {@link Retimer} the
 * events are moved to now, and the ingress waits out each compressed gap, so they arrive as they would live.
 */
public final class JsonLinesIngress {

    /** Receives what happens to each line, for example to print a timeline. */
    public interface Listener {
        void published(HealthEvent event);

        void skipped(long lineNumber, String why);

        void deadLettered(long lineNumber, ParsedLine.Rejected rejected);
    }

    /** Counts of one run. */
    public record Summary(long published, long skipped, long deadLettered) {
    }

    private final LineParser parser;
    private final HealthEventSink sink;

    /** Creates an ingress that sends events and dead letters to {@code sink}, such as a {@link HealthEventPublisher}. */
    public JsonLinesIngress(final LineParser parser, final HealthEventSink sink) {
        this.parser = parser;
        this.sink = sink;
    }

    /**
     * Publishes every line of {@code reader}. With a non-null {@code retimer}, event times are re-timed and
     * the call sleeps until each event's new time before sending it.
     */
    public Summary run(final BufferedReader reader, final String sourceName, final Retimer retimer,
                       final Listener listener) throws IOException, InterruptedException {
        long lineNumber = 0;
        long published = 0;
        long skipped = 0;
        long deadLettered = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            final ParsedLine parsed = parser.parse(line);
            if (parsed instanceof ParsedLine.Event event) {
                final HealthEvent health = retimer == null ? event.event() : retimed(event.event(), retimer);
                sink.publish(health);
                listener.published(health);
                published++;
            } else if (parsed instanceof ParsedLine.Skipped skip) {
                listener.skipped(lineNumber, skip.why());
                skipped++;
            } else if (parsed instanceof ParsedLine.Rejected rejected) {
                sink.deadLetter(sourceName, lineNumber, line, rejected.reason(), rejected.message());
                listener.deadLettered(lineNumber, rejected);
                deadLettered++;
            }
        }
        return new Summary(published, skipped, deadLettered);
    }

    private static HealthEvent retimed(final HealthEvent event, final Retimer retimer) throws InterruptedException {
        final Instant at = retimer.retime(event.getObservedAt());
        final Duration wait = Duration.between(Instant.now(), at);
        if (!wait.isNegative()) {
            Thread.sleep(wait.toMillis());
        }
        return HealthEvent.newBuilder(event).setObservedAt(at).build();
    }
}
