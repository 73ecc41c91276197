package io.ragreactor.cli;

import io.ragreactor.postmortem.TopicRangeReader;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The time range of the commands that read recorded history: {@code --from} and {@code --to}. */
final class RangeOptions {

    /** How far back the range starts without {@code --from}. */
    static final Duration DEFAULT_LENGTH = Duration.ofHours(24);

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--from", paramLabel = "TIME|DURATION", converter = StartPoint.Converter.class,
            description = "Start of the range, inclusive, compared with each record's Kafka timestamp: an ISO-8601"
                    + " time such as 2026-11-30T09:12:00Z, or a duration ago such as 15m, 2h or 1d (default: 24h"
                    + " ago).")
    private StartPoint from;

    @Option(names = "--to", paramLabel = "TIME|DURATION", converter = StartPoint.Converter.class,
            description = "End of the range, exclusive, in the same forms as --from (default: now).")
    private StartPoint to;

    /**
     * Returns the range the options mean at {@code now}, in whole milliseconds like Kafka record timestamps.
     *
     * @throws CommandLine.ParameterException when the start is not before the end
     */
    TopicRangeReader.Range range(final Instant now) {
        final Instant current = now.truncatedTo(ChronoUnit.MILLIS);
        final Instant start = from != null ? from.resolve(current) : current.minus(DEFAULT_LENGTH);
        final Instant end = to != null ? to.resolve(current) : current;
        if (!start.isBefore(end)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid range: --from " + start
                    + " must be before --to " + end);
        }
        return new TopicRangeReader.Range(start, end);
    }
}
