package io.ragreactor.cli;

import io.ragreactor.postmortem.TopicRangeReader;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookException;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.topics.Topic;
import io.ragreactor.schemas.topics.Topics;
import io.ragreactor.shadow.ShadowReplay;
import io.ragreactor.shadow.ShadowResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Replays a time range of the recorded topics through the current topology with a runbook, which may be an
 * edited one, and compares the commands with those recorded. The exit code is 4 when they differ, so a script
 * can gate a runbook change on it.
 */
@Command(name = "shadow-replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Read rag.health, rag.control, rag.recovery.outcomes and rag.recovery.commands for a time range, run the"
                    + " health events and control records through the reactor's topology with the recorded"
                    + " timestamps as its clock and the runbook of --runbook and --set, feed each recorded outcome"
                    + " back once the replay issues its command, and compare the replay's commands with the recorded"
                    + " ones. Prints one line per difference (time, kind, target, command id, what differs) and a"
                    + " summary. Nothing is written to the cluster.",
            "%nThe replay starts with no state from before --from: incidents, cooldowns and flap damping that began"
                    + " earlier are unknown to it, so commands that depend on them show as differences. Start the"
                    + " range before the incidents to compare.",
            "%nOutcome and command tombstones are dropped and counted. The topology runs with the reactor's default"
                    + " timer tick of 1 s and value limit of 1 MiB."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:No differences: the replay issued exactly the recorded commands, or the range contains no records.",
            "1:A failure, such as an unreachable broker or a missing topic.",
            "2:Invalid options, an invalid runbook file or an invalid --set.",
            "4:The replay's commands differ from the recorded ones."})
final class ShadowReplayCommand implements Callable<Integer> {

    /** Exit code when the replay's commands differ from the recorded ones. */
    static final int DIFFERENCES_EXIT_CODE = 4;

    @Mixin
    private ConnectionOptions connection;

    @Mixin
    private RangeOptions rangeOptions;

    @Option(names = "--runbook", paramLabel = "FILE",
            description = "Runbook file to replay with (default: the runbook shipped in the jar).")
    private Path runbookFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Replace one runbook value before validation, by its dotted key, for example"
                    + " shardDown.detection.threshold=5 or shardDown.steps.reopen.deadline=90s; repeat the option"
                    + " for several values.")
    private Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--dry-run",
            description = "Mark every command dry-run, as the reactor does with dry.run=true. Use it when the recorded"
                    + " deployment ran that way, or every command differs in its dry-run flag.")
    private boolean dryRun;

    @Option(names = "--json",
            description = "Print one JSON object with the counts and every difference, the recorded and the replayed"
                    + " command included, instead of lines for people.")
    private boolean json;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        final TopicRangeReader.Range range = rangeOptions.range(Instant.now());
        final Runbook runbook = runbook();
        final ClusterSettings settings = connection.settings();
        final Topics topics = settings.topics();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final List<Topic<?, ?>> read = List.of(topics.health(), topics.control(), topics.outcomes(),
                topics.commands());
        RangeReads.requireTopics(settings, read);

        final TopicRangeReader.Result records;
        try (RangeReads.ProgressLine progress = new RangeReads.ProgressLine("reading topics", err)) {
            records = RangeReads.reader(settings).read(read, range, progress);
        } catch (final IllegalStateException e) {
            // The range reader throws it when no partition advances for its idle timeout.
            throw new CommandFailedException(e.getMessage(), e);
        }
        RangeReads.printBadRecords(records.badRecords(), err);
        final RecordedRange recorded = RecordedRange.of(records.records(), topics);

        final ShadowReplay.Options defaults = ShadowReplay.Options.defaults();
        final ShadowReplay replay = new ShadowReplay(runbook, new ShadowReplay.Options(defaults.punctuationInterval(),
                dryRun, defaults.maxValueBytes()));
        final ShadowResult result = replay.replay(recorded.recording());
        if (json) {
            out.println(RecordJson.line(ShadowReplayJson.of(range, runbook, recorded, records.badRecords(), result)));
        } else {
            printText(out, range, runbook, recorded, result);
        }
        out.flush();
        return result.diff().isEmpty() ? CommandLine.ExitCode.OK : DIFFERENCES_EXIT_CODE;
    }

    /** Loads --runbook, or the shipped runbook, with the --set values. */
    private Runbook runbook() {
        try {
            return runbookFile == null ? RunbookLoader.loadDefault(overrides) : RunbookLoader.load(runbookFile,
                    overrides);
        } catch (final RunbookException e) {
            final String option = runbookFile == null ? "--set" : "--runbook or --set";
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid " + option + ": " + e.getMessage());
        }
    }

    private static void printText(final PrintWriter out, final TopicRangeReader.Range range, final Runbook runbook,
                                  final RecordedRange recorded, final ShadowResult result) {
        if (recorded.isEmpty()) {
            out.println("No records between " + range.from() + " and " + range.to() + ", so there is nothing to"
                    + " compare.");
            return;
        }
        out.println("Shadow replay of runbook " + runbook.version() + " from " + runbook.source() + " between "
                + range.from() + " and " + range.to() + ": " + recorded.recording().health().size()
                + " health events, " + recorded.recording().control().size() + " control records, "
                + recorded.recording().outcomes().size() + " outcomes and " + recorded.recording().commands().size()
                + " commands recorded; dropped " + recorded.droppedOutcomeTombstones() + " outcome and "
                + recorded.droppedCommandTombstones() + " command tombstones.");
        result.diff().render().forEach(out::println);
        out.println(capitalized(result.summary()) + ".");
        out.println(capitalized(result.diff().summary()) + ".");
    }

    private static String capitalized(final String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
