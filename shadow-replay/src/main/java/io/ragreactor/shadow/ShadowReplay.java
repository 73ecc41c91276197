package io.ragreactor.shadow;

import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.runbook.SafetyNets;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays recorded history through the current reactor topology with a runbook that may differ from the
 * one in force at the time, and compares the commands it issues with the recorded ones.
 *
 * <p>The recorded health events and control records go into a TopologyTestDriver in timestamp order, and the
 * driver's wall clock moves to each record's timestamp before it, so the timers fire at the same points of
 * the recording as they did live. Between records the clock stops at the timer tick of each pending deadline
 * or wait, and moves by at most {@link #MAX_CLOCK_STEP} at a time, so that deadlines and scheduled safety nets
 * fire as the live reactor's timer ticks would fire them. At equal timestamps control records go first, then health
 * events, then outcomes. The replay ends with the clock at the end of the recorded range, or later when an
 * outcome fed back lies beyond it.
 *
 * <p>A recorded outcome goes back in only after the shadow issued the command it reports on. Outcomes match
 * commands by command id. The reactor derives the id from incident id, step and attempt, so a match by id is
 * a match by those three. The id is also the key by which the reactor accepts an outcome, so an outcome fed
 * back reaches the step it belongs to. Scheduled safety nets carry a schedule id in place of the incident id, and
 * they match the same way. An outcome keeps its recorded duration. When the shadow issued its command
 * earlier or later than the recorded command, the outcome's start, finish and record timestamp move by the
 * same amount. The ladder's next step then follows the shadow's command as it followed the recorded one. The
 * outcome of a command whose action changed goes back in unchanged, because it is the only evidence of how
 * that step ends. The diff's changed commands show where the shadow rests on that guess. A shadow command
 * without a recorded outcome gets none, and its deadline passes as it would have live.
 *
 * <p>NOTE: the topology starts with empty state at the recording's first record. Incidents, cooldowns and
 * flap damping that began before the recording are unknown to the shadow, so commands that depend on them
 * show as differences. A replay from the start of the retained topics avoids that.
 */
public final class ShadowReplay {

    /**
     * Maximum move of the wall clock in one step between records. A timer tick issues at most one slot of
     * each safety net, so a step must not exceed the shortest slot: a shorter credential probe period
     * shortens the step to that period.
     */
    public static final Duration MAX_CLOCK_STEP = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(ShadowReplay.class);

    /**
     * Settings of the replayed topology that do not come from the runbook. They should match the recorded
     * deployment's reactor configuration.
     *
     * @param punctuationInterval time between timer ticks, the reactor's {@code punctuation.interval.ms}
     * @param dryRun whether every command is marked dry-run, the reactor's {@code dry.run}
     * @param maxValueBytes inputs with larger values are dead-lettered, the reactor's {@code max.value.bytes}
     */
    public record Options(Duration punctuationInterval, boolean dryRun, int maxValueBytes) {

        public Options {
            Objects.requireNonNull(punctuationInterval, "punctuationInterval");
            if (punctuationInterval.toMillis() < 1) {
                throw new IllegalArgumentException("punctuationInterval must be at least 1 ms, got "
                        + punctuationInterval);
            }
            if (maxValueBytes < 1) {
                throw new IllegalArgumentException("maxValueBytes must be positive, got " + maxValueBytes);
            }
        }

        /** Returns the reactor configuration's defaults: a tick every second, no global dry run, 1 MiB values. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(1), false, 1 << 20);
        }
    }

    private final Runbook runbook;
    private final Options options;

    public ShadowReplay(final Runbook runbook, final Options options) {
        this.runbook = Objects.requireNonNull(runbook, "runbook");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Creates a replay with {@code runbook} and the default options. */
    public static ShadowReplay of(final Runbook runbook) {
        return new ShadowReplay(runbook, Options.defaults());
    }

    /**
     * Creates a replay with the runbook file {@code file}, its values replaced by {@code overrides} (dotted key to
     * value) before validation, and the default options.
     *
     * @throws io.ragreactor.runbook.RunbookException when the file cannot be read or is invalid
     */
    public static ShadowReplay ofRunbookFile(final Path file, final Map<String, String> overrides) {
        return of(RunbookLoader.load(file, overrides));
    }

    public Runbook runbook() {
        return runbook;
    }

    /** Replays {@code recording} and compares the shadow's commands with the recorded ones. */
    public ShadowResult replay(final Recording recording) {
        final Instant start = Stream.of(recording.health(), recording.control(), recording.outcomes(),
                        recording.commands())
                .flatMap(List::stream)
                .map(TimedRecord::timestamp)
                .min(Instant::compareTo)
                .orElse(null);
        if (start == null) {
            LOG.info("Shadow replay of runbook version=[{}]: the recording is empty", runbook.version());
            return new ShadowResult(List.of(), CommandDiff.compare(List.of(), List.of()), 0, 0, List.of(), List.of(),
                    0);
        }
        LOG.info("Starting shadow replay of runbook version=[{}] from {}: health=[{}] control=[{}] outcomes=[{}] "
                        + "commands=[{}] from {} to {}", runbook.version(), runbook.source(), recording.health().size(),
                recording.control().size(), recording.outcomes().size(), recording.commands().size(), start,
                recording.end());
        try (ShadowDriver driver = new ShadowDriver(runbook, options, start)) {
            final ShadowResult result = new Run(driver, recording, maxClockStep()).play();
            LOG.info("Finished shadow replay of runbook version=[{}]: {}; {}", runbook.version(), result.summary(),
                    result.diff().summary());
            return result;
        }
    }

    /** Returns {@link #MAX_CLOCK_STEP}, or the credential probe's period when that is shorter. */
    private Duration maxClockStep() {
        final SafetyNets.CredentialProbe probe = runbook.safetyNets().credentialProbe();
        if (probe.enabled() && probe.every().compareTo(MAX_CLOCK_STEP) < 0) {
            return probe.every();
        }
        return MAX_CLOCK_STEP;
    }

    /** An input waiting for its turn: ordered by timestamp, then by the order it was scheduled in. */
    private record Pending(Instant timestamp, long sequence, Consumer<ShadowDriver> pipe) {
    }

    /** The state of one replay: the inputs still to come and the recorded outcomes not fed back yet. */
    private static final class Run {

        private final ShadowDriver driver;
        private final PriorityQueue<Pending> queue = new PriorityQueue<>(
                Comparator.comparing(Pending::timestamp).thenComparingLong(Pending::sequence));
        private final Map<String, TimedRecord<RecoveryOutcome>> outcomesById = new LinkedHashMap<>();
        private final Map<String, Instant> recordedIssuedAt = new LinkedHashMap<>();
        private final List<RecoveryCommand> shadowCommands = new ArrayList<>();
        private final List<String> unanswered = new ArrayList<>();
        private final List<RecoveryCommand> recordedCommands;
        private final Duration maxClockStep;
        private long sequence;
        private int inputs;
        private int outcomesFed;
        private int deadLettered;

        Run(final ShadowDriver driver, final Recording recording, final Duration maxClockStep) {
            this.driver = driver;
            this.maxClockStep = maxClockStep;
            this.recordedCommands = recording.commandValues();
            for (final RecoveryCommand command : recordedCommands) {
                recordedIssuedAt.putIfAbsent(command.getCommandId(), command.getIssuedAt());
            }
            for (final TimedRecord<RecoveryOutcome> outcome : recording.outcomes()) {
                if (outcomesById.putIfAbsent(outcome.value().getCommandId(), outcome) != null) {
                    LOG.warn("Ignoring a repeated recorded outcome of command=[{}] at {}: the first one is fed back",
                            outcome.value().getCommandId(), outcome.timestamp());
                }
            }
            scheduleInputs(recording);
        }

        /** Queues the recorded inputs in timestamp order, control records before health events at equal times. */
        private void scheduleInputs(final Recording recording) {
            final List<Pending> inputs = new ArrayList<>();
            for (final TimedRecord<ControlRecord> record : recording.control()) {
                inputs.add(new Pending(record.timestamp(), 0, shadow -> shadow.pipeControl(record)));
            }
            for (final TimedRecord<HealthEvent> record : recording.health()) {
                inputs.add(new Pending(record.timestamp(), 1, shadow -> shadow.pipeHealth(record)));
            }
            // A stable sort keeps each topic's own order at equal timestamps.
            inputs.sort(Comparator.comparing(Pending::timestamp).thenComparingLong(Pending::sequence));
            for (final Pending input : inputs) {
                queue.add(new Pending(input.timestamp(), sequence++, input.pipe()));
                this.inputs++;
            }
            // The end of the range comes after every recorded input, so the clock reaches it last.
            queue.add(new Pending(recording.end(), Long.MAX_VALUE, shadow -> {
            }));
        }

        ShadowResult play() {
            collectCommands();
            while (!queue.isEmpty()) {
                final Pending next = queue.peek();
                if (driver.clock().isBefore(next.timestamp())) {
                    // Timers due before the next input fire first, and their commands may bring outcomes before it.
                    driver.stepTowards(next.timestamp(), maxClockStep);
                    collectCommands();
                    continue;
                }
                queue.poll();
                next.pipe().accept(driver);
                collectCommands();
            }
            deadLettered += driver.readDeadLetterCount();
            final List<String> unused = new ArrayList<>(outcomesById.keySet());
            return new ShadowResult(shadowCommands, CommandDiff.compare(recordedCommands, shadowCommands), inputs,
                    outcomesFed, unused, unanswered, deadLettered);
        }

        /** Takes the commands the topology issued and queues the recorded outcome of each, when there is one. */
        private void collectCommands() {
            for (final RecoveryCommand command : driver.readCommands()) {
                shadowCommands.add(command);
                final TimedRecord<RecoveryOutcome> recorded = outcomesById.remove(command.getCommandId());
                if (recorded == null) {
                    unanswered.add(command.getCommandId());
                    LOG.debug("Shadow command=[{}] target=[{}] has no recorded outcome", command.getCommandId(),
                            command.getTarget());
                    continue;
                }
                final TimedRecord<RecoveryOutcome> outcome = retimed(recorded, command);
                queue.add(new Pending(outcome.timestamp(), sequence++, shadow -> shadow.pipeOutcome(outcome)));
                outcomesFed++;
            }
        }

        /**
         * Returns the recorded outcome moved by the time between the recorded command's issue and the shadow
         * command's, so it keeps its recorded duration. It stays unchanged when both were issued at the same
         * time or when the recording lacks the command.
         */
        private TimedRecord<RecoveryOutcome> retimed(final TimedRecord<RecoveryOutcome> recorded,
                                                     final RecoveryCommand command) {
            final Instant recordedAt = recordedIssuedAt.get(command.getCommandId());
            if (recordedAt == null || recordedAt.equals(command.getIssuedAt())) {
                return recorded;
            }
            final Duration shift = Duration.between(recordedAt, command.getIssuedAt());
            final RecoveryOutcome original = recorded.value();
            final RecoveryOutcome moved = RecoveryOutcome.newBuilder(original)
                    .setStartedAt(original.getStartedAt().plus(shift))
                    .setFinishedAt(original.getFinishedAt().plus(shift))
                    .build();
            LOG.debug("Moving the recorded outcome of command=[{}] by {} to follow the shadow's command",
                    command.getCommandId(), shift);
            return TimedRecord.of(recorded.key(), moved, recorded.timestamp().plus(shift));
        }
    }
}
