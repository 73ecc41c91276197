package io.ragreactor.topology;

import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Plays a recording into a reactor and reports an outcome for every command as an actuator would: a reopen
 * fails, every other step succeeds two seconds after it was issued. It returns each command as its key,
 * timestamp and value bytes, so two plays can be compared byte for byte.
 */
final class RecordingPlayer {

    private RecordingPlayer() {
    }

    /**
     * Plays {@code recording} in order. With {@code advanceClock}, the wall clock moves to each event's time
     * before the event, as it would live; without it, the clock stays where the fixture started it.
     */
    static List<String> play(final ReactorFixture reactor, final List<HealthEvent> recording,
                             final boolean advanceClock) {
        final TestOutputTopic<byte[], byte[]> rawCommands = reactor.driver.createOutputTopic(
                reactor.topics.commands().name(), Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
        final List<String> bytes = new ArrayList<>();
        for (final HealthEvent event : recording) {
            if (advanceClock) {
                reactor.advanceClockTo(event.getObservedAt());
            }
            reactor.observe(event);
            answerCommands(reactor, rawCommands, bytes);
        }
        return bytes;
    }

    /** Reports an outcome for every new command until the ladders stop issuing. */
    private static void answerCommands(final ReactorFixture reactor, final TestOutputTopic<byte[], byte[]> rawCommands,
                                       final List<String> bytes) {
        while (!rawCommands.isEmpty()) {
            final TestRecord<byte[], byte[]> raw = rawCommands.readRecord();
            bytes.add(new String(raw.key(), StandardCharsets.UTF_8) + "@" + raw.timestamp() + "="
                    + HexFormat.of().formatHex(raw.value()));
            final RecoveryCommand command = reactor.topics.commands().valueSerde().deserializer()
                    .deserialize(reactor.topics.commands().name(), raw.value());
            final OutcomeStatus status = command.getStep().equals("reopen") ? OutcomeStatus.FAILED
                    : OutcomeStatus.SUCCEEDED;
            reactor.report(Events.outcome(command, status, command.getIssuedAt().plusSeconds(2), command.getStep()));
        }
    }
}
