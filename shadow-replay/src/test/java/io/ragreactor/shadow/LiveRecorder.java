package io.ragreactor.shadow;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.reactor.ReactorTopology;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.InMemorySchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Records history the way a live deployment would write it to its topics. The reactor runs with the wall
 * clock ticking every second, and each health event goes in once the clock passes its time. An actuator
 * reports an outcome for every command two seconds after its issue time: a reopen fails and every other step
 * succeeds. The reactor runs in its own TopologyTestDriver, apart from the shadow replay under test.
 */
final class LiveRecorder {

    static final Duration TICK = Duration.ofSeconds(1);
    static final Duration ACTUATOR_DURATION = Duration.ofSeconds(2);

    private LiveRecorder() {
    }

    private record Input(Instant timestamp, long sequence, HealthEvent event, RecoveryOutcome outcome) {
    }

    /** Runs {@code events} through a reactor with {@code runbook} until {@code end} and returns what it recorded. */
    static Recording record(final Runbook runbook, final List<HealthEvent> events, final Instant end) {
        final Instant start = events.get(0).getObservedAt();
        final Topics topics = Topics.create(TopicNames.defaults(), new InMemorySchemaRegistryClient());
        final ReactorTopology.Settings settings = new ReactorTopology.Settings(ReactorClock.WALL, TICK, false, 1 << 20);
        final List<TimedRecord<HealthEvent>> health = new ArrayList<>();
        final List<TimedRecord<RecoveryOutcome>> outcomes = new ArrayList<>();
        final List<TimedRecord<RecoveryCommand>> commands = new ArrayList<>();
        final PriorityQueue<Input> inputs = new PriorityQueue<>(Comparator.comparing(Input::timestamp)
                .thenComparingLong(Input::sequence));
        long sequence = 0;
        for (final HealthEvent event : events) {
            inputs.add(new Input(event.getObservedAt(), sequence++, event, null));
        }

        try (TopologyTestDriver driver = new TopologyTestDriver(new ReactorTopology(topics, runbook, settings).build(),
                properties(), start)) {
            final TestInputTopic<String, HealthEvent> healthTopic = driver.createInputTopic(topics.health().name(),
                    Serdes.String().serializer(), topics.health().valueSerde().serializer());
            final TestInputTopic<String, RecoveryOutcome> outcomeTopic = driver.createInputTopic(
                    topics.outcomes().name(), Serdes.String().serializer(), topics.outcomes().valueSerde().serializer());
            final TestOutputTopic<String, RecoveryCommand> commandTopic = driver.createOutputTopic(
                    topics.commands().name(), Serdes.String().deserializer(), topics.commands().valueSerde().deserializer());

            Instant clock = start;
            while (clock.isBefore(end)) {
                final Instant nextTick = clock.plus(TICK);
                // Inputs that arrive before the next tick go in before it fires, as they would live.
                while (!inputs.isEmpty() && inputs.peek().timestamp().isBefore(nextTick)) {
                    final Input input = inputs.poll();
                    if (input.event() != null) {
                        final TimedRecord<HealthEvent> record = TimedRecord.of(input.event().getTarget(), input.event(),
                                input.timestamp());
                        healthTopic.pipeInput(new TestRecord<>(record.key(), record.value(), record.timestamp()));
                        health.add(record);
                    } else {
                        final TimedRecord<RecoveryOutcome> record = TimedRecord.of(input.outcome().getTarget(),
                                input.outcome(), input.timestamp());
                        outcomeTopic.pipeInput(new TestRecord<>(record.key(), record.value(), record.timestamp()));
                        outcomes.add(record);
                    }
                    sequence = answer(commandTopic, commands, inputs, sequence);
                }
                driver.advanceWallClockTime(TICK);
                clock = nextTick;
                sequence = answer(commandTopic, commands, inputs, sequence);
            }
        }
        return new Recording(health, List.of(), outcomes, commands);
    }

    /** Records the new commands and queues the actuator's outcome of each. Returns the next sequence number. */
    private static long answer(final TestOutputTopic<String, RecoveryCommand> commandTopic,
                               final List<TimedRecord<RecoveryCommand>> commands, final PriorityQueue<Input> inputs,
                               final long sequence) {
        long next = sequence;
        for (final TestRecord<String, RecoveryCommand> record : commandTopic.readRecordsToList()) {
            commands.add(TimedRecord.of(record.key(), record.value(), record.getRecordTime()));
            final RecoveryOutcome outcome = outcome(record.value());
            inputs.add(new Input(outcome.getFinishedAt(), next++, null, outcome));
        }
        return next;
    }

    static RecoveryOutcome outcome(final RecoveryCommand command) {
        final boolean fails = command.getStep().equals("reopen");
        return RecoveryOutcome.newBuilder()
                .setCommandId(command.getCommandId())
                .setIncidentId(command.getIncidentId())
                .setTarget(command.getTarget())
                .setStep(command.getStep())
                .setAttempt(command.getAttempt())
                .setStatus(fails ? OutcomeStatus.FAILED : OutcomeStatus.SUCCEEDED)
                .setReason(fails ? "non-zero-exit" : "ok")
                .setStartedAt(command.getIssuedAt())
                .setFinishedAt(command.getIssuedAt().plus(ACTUATOR_DURATION))
                .setDetail(command.getStep() + (fails ? " exited with status 1" : " done"))
                .setCalls(new ArrayList<>())
                .setEvidence(new ArrayList<>())
                .setActuator("live-recorder")
                .build();
    }

    private static Properties properties() {
        final Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "rag-reactor-recorder");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        try {
            props.put(StreamsConfig.STATE_DIR_CONFIG,
                    Files.createTempDirectory(Path.of("target"), "recorder-state").toString());
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }
}
