package io.ragreactor.topology;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.reactor.ReactorTopology;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.InMemorySchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * One reactor topology in a TopologyTestDriver, with typed input and output topics. Event times and the
 * driver's wall clock start at {@link #START}; tests move the clock explicitly.
 */
final class ReactorFixture implements AutoCloseable {

    static final Instant START = Instant.parse("2026-11-30T09:12:00Z");

    final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    final Topics topics = Topics.create(TopicNames.defaults(), registry);
    final Runbook runbook;
    final TopologyTestDriver driver;
    final TestInputTopic<String, HealthEvent> health;
    final TestInputTopic<byte[], byte[]> rawHealth;
    final TestInputTopic<String, RecoveryOutcome> outcomes;
    final TestInputTopic<String, ControlRecord> control;
    final TestOutputTopic<String, RecoveryCommand> commands;
    final TestOutputTopic<String, IncidentUpdate> incidents;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    private long wallClockOffsetMillis;

    ReactorFixture() {
        this(Map.of());
    }

    /** A fixture whose runbook is the shipped default with {@code overrides} applied. */
    ReactorFixture(final Map<String, String> overrides) {
        this(overrides, ReactorClock.WALL);
    }

    /** A fixture whose timers follow {@code clock}. */
    ReactorFixture(final Map<String, String> overrides, final ReactorClock clock) {
        this(RunbookLoader.loadDefault(overrides), clock);
    }

    /** A fixture running {@code runbook}, for settings that overrides of single values cannot express. */
    ReactorFixture(final Runbook runbook, final ReactorClock clock) {
        this.runbook = runbook;
        final ReactorTopology.Settings settings = new ReactorTopology.Settings(clock, Duration.ofSeconds(1), false,
                64 * 1024);
        this.driver = new TopologyTestDriver(new ReactorTopology(topics, runbook, settings).build(), properties(), START);
        this.health = driver.createInputTopic(topics.health().name(), Serdes.String().serializer(),
                topics.health().valueSerde().serializer());
        this.rawHealth = driver.createInputTopic(topics.health().name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        this.outcomes = driver.createInputTopic(topics.outcomes().name(), Serdes.String().serializer(),
                topics.outcomes().valueSerde().serializer());
        this.control = driver.createInputTopic(topics.control().name(), Serdes.String().serializer(),
                topics.control().valueSerde().serializer());
        this.commands = driver.createOutputTopic(topics.commands().name(), Serdes.String().deserializer(),
                topics.commands().valueSerde().deserializer());
        this.incidents = driver.createOutputTopic(topics.incidents().name(), Serdes.String().deserializer(),
                topics.incidents().valueSerde().deserializer());
        this.deadLetters = driver.createOutputTopic(topics.healthDeadLetter().name(), Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    private static Properties properties() {
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "rag-reactor");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        try {
            props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(Path.of("target"), "reactor-ttd").toString());
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return props;
    }

    /**
     * Loads the shipped default runbook after replacing {@code original} in its text with {@code replacement};
     * fails when the text does not contain {@code original}, so a changed default cannot pass unnoticed.
     */
    static Runbook defaultRunbookWith(final String original, final String replacement) {
        final String folder = RunbookLoader.DEFAULT_RESOURCE.substring(0, RunbookLoader.DEFAULT_RESOURCE.lastIndexOf('/') + 1);
        final String text = resource(RunbookLoader.DEFAULT_RESOURCE);
        if (!text.contains(original)) {
            throw new IllegalArgumentException("the default runbook does not contain " + original);
        }
        return RunbookLoader.parse(text.replace(original, replacement), "test", Map.of(),
                name -> resource(folder + name));
    }

    private static String resource(final String path) {
        try (java.io.InputStream in = RunbookLoader.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("classpath resource " + path + " not found");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Pipes {@code event} keyed by its target, with its observation time as the record timestamp. */
    void observe(final HealthEvent event) {
        health.pipeInput(new TestRecord<>(event.getTarget(), event, event.getObservedAt()));
    }

    /** Pipes an operator's instruction to the control topic under {@code key}; a null value withdraws it. */
    void instruct(final String key, final ControlRecord instruction) {
        control.pipeInput(key, instruction);
    }

    void report(final RecoveryOutcome outcome) {
        outcomes.pipeInput(new TestRecord<>(outcome.getTarget(), outcome, outcome.getFinishedAt()));
    }

    /** Moves the wall clock to {@code instant}, firing every timer due on the way. */
    void advanceClockTo(final Instant instant) {
        final Instant now = START.plusMillis(wallClockOffsetMillis);
        if (instant.isAfter(now)) {
            final Duration step = Duration.between(now, instant);
            driver.advanceWallClockTime(step);
            wallClockOffsetMillis += step.toMillis();
        }
    }

    List<RecoveryCommand> readCommands() {
        return commands.readValuesToList();
    }

    List<IncidentUpdate> readIncidentUpdates() {
        return incidents.readValuesToList();
    }

    @Override
    public void close() {
        driver.close();
    }
}
