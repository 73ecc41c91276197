package io.ragreactor.postmortem;

import io.ragreactor.postmortem.TopicRangeReader.BadRecord;
import io.ragreactor.postmortem.TopicRangeReader.ProgressListener;
import io.ragreactor.postmortem.TopicRangeReader.Range;
import io.ragreactor.schemas.topics.Topic;
import io.ragreactor.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the health, command, outcome and incident topics for a time range and writes, per incident with an
 * update in the range, a Markdown postmortem ({@code <incident id>.md}) and an SVG timeline
 * ({@code <incident id>.svg}).
 */
public final class Replay {

    private static final Logger LOG = LoggerFactory.getLogger(Replay.class);

    private final TopicRangeReader reader;
    private final Topics topics;

    public Replay(final TopicRangeReader reader, final Topics topics) {
        this.reader = reader;
        this.topics = topics;
    }

    /**
     * The files written and what was read.
     *
     * @param files       two files per incident, the Markdown one first
     * @param recordsRead records decoded in the range, tombstones included
     * @param badRecords  records that could not be decoded, with their reason
     */
    public record Result(List<Path> files, int incidents, long recordsRead, List<BadRecord> badRecords) {
    }

    /**
     * Reads {@code range} and writes the files into {@code outDir}, creating it when missing and replacing
     * files of the same names. {@code listener} receives the read's progress.
     */
    public Result write(final Range range, final Path outDir, final ProgressListener listener) throws IOException {
        final List<Topic<?, ?>> read = List.of(topics.health(), topics.commands(), topics.outcomes(), topics.incidents());
        final TopicRangeReader.Result result = reader.read(read, range, listener);
        final List<IncidentTimeline> incidents = IncidentRebuilder.rebuild(result.records());

        Files.createDirectories(outDir);
        final List<Path> files = new ArrayList<>();
        final Set<String> stems = new HashSet<>();
        for (final IncidentTimeline incident : incidents) {
            final String stem = uniqueStem(Formats.fileStem(incident.incidentId()), stems);
            final Path markdown = outDir.resolve(stem + ".md");
            final Path svg = outDir.resolve(stem + ".svg");
            PostmortemWriter.write(incident, range, markdown);
            TimelineSvg.write(incident, svg);
            files.add(markdown);
            files.add(svg);
            LOG.info("Wrote postmortem incident=[{}] target=[{}] state=[{}] file=[{}]", incident.incidentId(),
                    incident.target(), incident.state(), markdown);
        }
        return new Result(List.copyOf(files), incidents.size(), result.records().size(), result.badRecords());
    }

    /** Returns {@code stem}, or {@code stem-2}, {@code stem-3} ... when two incident ids sanitize alike. */
    private static String uniqueStem(final String stem, final Set<String> usedStems) {
        String candidate = stem;
        for (int i = 2; !usedStems.add(candidate); i++) {
            candidate = stem + "-" + i;
        }
        return candidate;
    }
}
