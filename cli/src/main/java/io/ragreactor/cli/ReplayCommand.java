package io.ragreactor.cli;

import io.ragreactor.postmortem.Replay;
import io.ragreactor.postmortem.TopicRangeReader;
import io.ragreactor.schemas.topics.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes a Markdown postmortem and an SVG timeline for every incident with an update in a time range, which
 * postmortem's {@link Replay} rebuilds from the health, command, outcome and incident topics.
 *
 * <p>Replay writes every incident of the range, so {@code --incident} filters the written set: Replay writes
 * into a temporary directory, and only the selected incidents' files move to {@code --out}. The files of the
 * other incidents never replace files in {@code --out}, and an empty range creates no directory.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Read rag.health, rag.recovery.commands, rag.recovery.outcomes and rag.incidents for a time"
                + " range and write, for every incident with an update in the range, a Markdown postmortem"
                + " <incident id>.md and an SVG timeline <incident id>.svg into --out, replacing files of the same"
                + " names. Prints the files written and the counts. Records that cannot be decoded are skipped and"
                + " listed on standard error with their topic, partition, offset and reason.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:Files written, or none because no incident has an update in the range.",
            "1:A failure, such as an unreachable broker, a missing topic, or an --incident without an update in the"
                    + " range (the files of the other selected incidents are written).",
            "2:Invalid options."})
final class ReplayCommand implements Callable<Integer> {

    /** The characters of an incident id: the reactor's ids look like inc-5c0d7e2a91b3f486. */
    private static final Pattern INCIDENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Logger LOG = LoggerFactory.getLogger(ReplayCommand.class);

    @Mixin
    private ConnectionOptions connection;

    @Mixin
    private RangeOptions rangeOptions;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "postmortems",
            description = "Directory for the files, created when missing (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--incident", paramLabel = "ID",
            description = "Write only this incident's files, for example inc-5c0d7e2a91b3f486; repeat the option"
                    + " for several incidents. All incidents of the range are still read and rendered, into a"
                    + " temporary directory, and only the selected ones' files are moved to --out.")
    private List<String> incidents = new ArrayList<>();

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        final TopicRangeReader.Range range = rangeOptions.range(Instant.now());
        final Set<String> selected = selectedIncidents();
        final ClusterSettings settings = connection.settings();
        final Topics topics = settings.topics();
        final PrintWriter stdout = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        RangeReads.requireTopics(settings, List.of(topics.health(), topics.commands(), topics.outcomes(),
                topics.incidents()));

        final Path staging = createStaging();
        try {
            final Replay.Result result = replay(settings, topics, range, staging, err);
            RangeReads.printBadRecords(result.badRecords(), err);
            final Selection selection = select(result.files(), selected);
            final List<Path> written = moveToOut(selection.files());
            written.forEach(file -> stdout.println("wrote " + file));
            stdout.println(summary(result, selection, range));
            stdout.flush();
            for (final String missing : selection.missing()) {
                err.println("incident " + missing + " has no update between " + range.from() + " and " + range.to()
                        + ", so no files were written for it; check the id with rag-reactor incidents, or widen"
                        + " --from and --to");
            }
            err.flush();
            return selection.missing().isEmpty() ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
        } finally {
            deleteStaging(staging);
        }
    }

    /** Returns the --incident values, trimmed, after checking their characters. */
    private Set<String> selectedIncidents() {
        final Set<String> selected = new LinkedHashSet<>();
        for (final String id : incidents) {
            final String trimmed = id.trim();
            if (!INCIDENT_ID.matcher(trimmed).matches()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid --incident '" + id
                        + "': expected an incident id of letters, digits, '.', '_' and '-', such as"
                        + " inc-5c0d7e2a91b3f486");
            }
            selected.add(trimmed);
        }
        return selected;
    }

    private static Path createStaging() {
        try {
            return Files.createTempDirectory("rag-reactor-replay-");
        } catch (final IOException e) {
            throw new CommandFailedException("cannot create a temporary directory for the postmortems: "
                    + e.getMessage(), e);
        }
    }

    private static Replay.Result replay(final ClusterSettings settings, final Topics topics,
                                        final TopicRangeReader.Range range, final Path staging,
                                        final PrintWriter err) {
        try (RangeReads.ProgressLine progress = new RangeReads.ProgressLine("reading topics", err)) {
            return new Replay(RangeReads.reader(settings), topics).write(range, staging, progress);
        } catch (final IllegalStateException e) {
            // The range reader throws it when no partition advances for its idle timeout.
            throw new CommandFailedException(e.getMessage(), e);
        } catch (final IOException e) {
            throw new CommandFailedException("cannot write the postmortems to the temporary directory " + staging
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * The files to keep and the selected incidents that had none.
     *
     * @param files    two files per kept incident, the Markdown one first
     * @param rendered incidents Replay wrote in all
     * @param missing  ids of --incident without an update in the range
     */
    private record Selection(List<Path> files, int rendered, List<String> missing) {
    }

    /**
     * Keeps the files of the incidents in {@code selected}, or all files when it is empty. Replay's result
     * lists two files per incident and no ids, so each incident is recognised by its postmortem's title.
     */
    private static Selection select(final List<Path> files, final Set<String> selected) {
        final int rendered = files.size() / 2;
        if (selected.isEmpty()) {
            return new Selection(files, rendered, List.of());
        }
        final List<Path> selectedFiles = new ArrayList<>();
        final Set<String> missing = new LinkedHashSet<>(selected);
        for (int i = 0; i + 1 < files.size(); i += 2) {
            final String title = firstLine(files.get(i));
            for (final String id : selected) {
                if (title.startsWith(titlePrefix(id))) {
                    selectedFiles.add(files.get(i));
                    selectedFiles.add(files.get(i + 1));
                    missing.remove(id);
                }
            }
        }
        return new Selection(selectedFiles, rendered, List.copyOf(missing));
    }

    /**
     * Returns how a postmortem's first line starts for incident {@code id}: {@code # Postmortem: <id> on <target>},
     * with the id escaped for Markdown. Of the characters {@link #INCIDENT_ID} allows, only '_' is escaped.
     */
    static String titlePrefix(final String id) {
        // NOTE: this follows PostmortemWriter's title line; a change of that line breaks --incident.
        return "# Postmortem: " + id.replace("_", "\\_") + " on ";
    }

    private static String firstLine(final Path file) {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            final String line = reader.readLine();
            return line == null ? "" : line;
        } catch (final IOException e) {
            throw new CommandFailedException("cannot read the postmortem " + file + ": " + e.getMessage(), e);
        }
    }

    /** Moves {@code files} into --out, replacing files of the same names, and returns their new paths. */
    private List<Path> moveToOut(final List<Path> files) {
        if (files.isEmpty()) {
            return List.of();
        }
        final List<Path> moved = new ArrayList<>();
        try {
            Files.createDirectories(out);
            for (final Path file : files) {
                final Path target = out.resolve(file.getFileName().toString());
                Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
                moved.add(target);
            }
        } catch (final IOException e) {
            throw new CommandFailedException("cannot write the postmortems to --out " + out + ": " + e.getMessage(), e);
        }
        return moved;
    }

    private static String summary(final Replay.Result result, final Selection selection,
                                  final TopicRangeReader.Range range) {
        final String read = "Read " + result.recordsRead() + " records between " + range.from() + " and "
                + range.to() + "; skipped " + result.badRecords().size() + " that could not be decoded.";
        if (selection.rendered() == 0) {
            return "No incident has an update in the range, so no files were written. " + read;
        }
        final int written = selection.files().size() / 2;
        return "Wrote the postmortems of " + written + " of " + selection.rendered() + " incidents in the range. "
                + read;
    }

    private static void deleteStaging(final Path staging) {
        try (Stream<Path> paths = Files.walk(staging)) {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (final IOException | UncheckedIOException e) {
            LOG.warn("Cannot delete the temporary directory path=[{}]: {}", staging, e.getMessage());
        }
    }
}
