package io.ragreactor.cli;

import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesIngress;
import io.ragreactor.ingress.LineParser;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.ingress.Retimer;
import io.ragreactor.schemas.health.HealthEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * The state the demo's scenarios share while they run: the loop, the timeline, one publisher to the health topic,
 * the play speed and the clock the recordings are re-timed to.
 *
 * @param startedAt the instant every recording's first line is re-timed to, so that the scenarios start together
 */
record DemoRun(LocalLoop loop, Timeline timeline, HealthEventPublisher publisher, PrintStream out, double speed,
               Instant startedAt) {

    /** Plays a recording from the demo's resources, re-timed to {@link #startedAt} and sped up by {@link #speed}. */
    void playRecording(final String resource, final LineParser parser) throws IOException, InterruptedException {
        final String name = resource.substring(resource.lastIndexOf('/') + 1);
        try (InputStream in = DemoRun.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("demo resource " + resource + " is missing from the jar");
            }
            final BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            new JsonLinesIngress(parser, publisher).run(reader, name, new Retimer(startedAt, speed),
                    new JsonLinesIngress.Listener() {
                        @Override
                        public void published(final HealthEvent event) {
                            timeline.observed(event);
                        }

                        @Override
                        public void skipped(final long lineNumber, final String why) {
                        }

                        @Override
                        public void deadLettered(final long lineNumber, final ParsedLine.Rejected rejected) {
                            out.printf("%s line %d dead-lettered: %s%n", name, lineNumber, rejected.message());
                        }
                    });
        }
    }

    /** Returns the time left until {@code deadline}, zero once it has passed. */
    static Duration until(final Instant deadline) {
        final Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Publishes one event and prints it on the timeline. */
    void publish(final HealthEvent event) {
        publisher.publish(event);
        timeline.observed(event);
    }
}
