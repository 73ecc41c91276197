package io.ragreactor.shadow;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.reactor.ReactorTopology;
import io.ragreactor.reactor.incident.IncidentLadders;
import io.ragreactor.reactor.incident.TimerIndex;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.InMemorySchemaRegistryClient;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reactor topology in a TopologyTestDriver whose wall clock the replay moves, with typed topics for
 * the recorded inputs and the shadow's commands. Timers follow {@link ReactorClock#WALL}, as in a live
 * deployment, so the recorded timestamps drive them through the driver's wall clock. Its state lives in
 * a temporary directory that {@link #close()} deletes.
 */
final class ShadowDriver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ShadowDriver.class);

    private final Instant start;
    private final Duration punctuationInterval;
    private final Path stateDir;
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, HealthEvent> health;
    private final TestInputTopic<String, ControlRecord> control;
    private final TestInputTopic<String, RecoveryOutcome> outcomes;
    private final TestOutputTopic<String, RecoveryCommand> commands;
    private final TestOutputTopic<byte[], byte[]> deadLetters;
    private final KeyValueStore<String, String> timers;
    private final KeyValueStore<String, TargetState> targets;
    private Instant clock;

    ShadowDriver(final Runbook runbook, final ShadowReplay.Options options, final Instant start) {
        this.start = start;
        this.clock = start;
        this.punctuationInterval = options.punctuationInterval();
        this.stateDir = createStateDir();
        final Topics topics = Topics.create(TopicNames.defaults(), new InMemorySchemaRegistryClient());
        final ReactorTopology.Settings settings = new ReactorTopology.Settings(ReactorClock.WALL,
                options.punctuationInterval(), options.dryRun(), options.maxValueBytes());
        this.driver = new TopologyTestDriver(new ReactorTopology(topics, runbook, settings).build(),
                properties(stateDir), start);
        this.health = driver.createInputTopic(topics.health().name(), Serdes.String().serializer(),
                topics.health().valueSerde().serializer());
        this.control = driver.createInputTopic(topics.control().name(), Serdes.String().serializer(),
                topics.control().valueSerde().serializer());
        this.outcomes = driver.createInputTopic(topics.outcomes().name(), Serdes.String().serializer(),
                topics.outcomes().valueSerde().serializer());
        this.commands = driver.createOutputTopic(topics.commands().name(), Serdes.String().deserializer(),
                topics.commands().valueSerde().deserializer());
        this.deadLetters = driver.createOutputTopic(topics.healthDeadLetter().name(), Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer());
        this.timers = driver.getKeyValueStore(TimerIndex.STORE);
        this.targets = driver.getKeyValueStore(IncidentLadders.STORE);
    }

    private static Path createStateDir() {
        try {
            return Files.createTempDirectory("rag-reactor-shadow");
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot create a temporary state directory for the shadow replay", e);
        }
    }

    private static Properties properties(final Path stateDir) {
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "rag-reactor-shadow");
        // Required by the configuration only: a TopologyTestDriver never connects to a broker.
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return props;
    }

    Instant clock() {
        return clock;
    }

    void pipeHealth(final TimedRecord<HealthEvent> record) {
        health.pipeInput(new TestRecord<>(record.key(), record.value(), record.timestamp()));
    }

    void pipeControl(final TimedRecord<ControlRecord> record) {
        control.pipeInput(new TestRecord<>(record.key(), record.value(), record.timestamp()));
    }

    void pipeOutcome(final TimedRecord<RecoveryOutcome> record) {
        outcomes.pipeInput(new TestRecord<>(record.key(), record.value(), record.timestamp()));
    }

    /** Returns the commands issued since the last call, in the order the topology issued them. */
    List<RecoveryCommand> readCommands() {
        return commands.readValuesToList();
    }

    /** Returns how many input records the topology dead-lettered since the last call. */
    int readDeadLetterCount() {
        return deadLetters.readRecordsToList().size();
    }

    /**
     * Moves the wall clock one step towards {@code target}, firing the timers due on the way as the live
     * reactor's timer ticks would. A step ends at the earliest of {@code target}, the tick that fires the
     * earliest deadline or wait of the timer index, and {@code maxStep} from now, so that a chain of
     * deadlines fires link by link and a scheduled safety net fires in each of its slots.
     */
    void stepTowards(final Instant target, final Duration maxStep) {
        if (!clock.isBefore(target)) {
            return;
        }
        Instant next = target;
        final Instant capped = clock.plus(maxStep);
        if (capped.isBefore(next)) {
            next = capped;
        }
        final Instant due = earliestDue();
        if (due != null) {
            final Instant nextTick = tickAtOrAfter(clock.plusMillis(1));
            final Instant dueTick = tickAtOrAfter(due);
            final Instant firing = dueTick.isAfter(nextTick) ? dueTick : nextTick;
            if (firing.isBefore(next)) {
                next = firing;
            }
        }
        driver.advanceWallClockTime(Duration.between(clock, next));
        clock = next;
    }

    /**
     * Returns the first timer tick at or after {@code at}, counting ticks every punctuation interval from the
     * replay's start. A tick that Kafka Streams runs later only delays the firing and changes no command,
     * because a timed-out step or an ended wait takes effect at its due time.
     */
    private Instant tickAtOrAfter(final Instant at) {
        final long interval = punctuationInterval.toMillis();
        final long sinceStart = Math.max(0, Duration.between(start, at).toMillis());
        final long ticks = (sinceStart + interval - 1) / interval;
        return start.plusMillis(ticks * interval);
    }

    /** Returns the earliest due time filed in the reactor's timer index, or null when no timer is pending. */
    private Instant earliestDue() {
        try (KeyValueIterator<String, String> entries = timers.all()) {
            if (!entries.hasNext()) {
                return null;
            }
            final KeyValue<String, String> first = entries.next();
            final TargetState state = targets.get(first.value);
            return state == null ? null : state.getTimerAt();
        }
    }

    @Override
    public void close() {
        try {
            driver.close();
        } finally {
            deleteStateDir();
        }
    }

    private void deleteStateDir() {
        try (Stream<Path> paths = Files.walk(stateDir)) {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (final IOException | UncheckedIOException e) {
            LOG.warn("Cannot delete the shadow replay's state directory path=[{}]: {}", stateDir, e.getMessage());
        }
    }
}
