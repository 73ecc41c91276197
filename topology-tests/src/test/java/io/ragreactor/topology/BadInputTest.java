package io.ragreactor.topology;

import static io.ragreactor.topology.Events.ioError;
import static io.ragreactor.topology.Events.shard;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class BadInputTest {

    private static final Instant T0 = ReactorFixture.START;

    private static String header(final TestRecord<byte[], byte[]> record, final String name) {
        final Header header = record.headers().lastHeader(name);
        assertThat(header).as("header %s", name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] key(final String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldDeadLetterNegativeObservationTime() {
        // K06: a valid IO error, an event observed at -1, another valid IO error
        try (ReactorFixture reactor = new ReactorFixture()) {
            reactor.observe(ioError(shard("shard-2"), T0));
            final HealthEvent bad = ioError(shard("shard-2"), Instant.ofEpochMilli(-1));
            reactor.health.pipeInput(new TestRecord<>(bad.getTarget(), bad, T0.plusSeconds(1)));
            reactor.observe(ioError(shard("shard-2"), T0.plusSeconds(2)));

            final List<TestRecord<byte[], byte[]>> deadLetters = reactor.deadLetters.readRecordsToList();
            assertThat(deadLetters).hasSize(1);
            assertThat(header(deadLetters.get(0), DeadLetterHeaders.REASON)).isEqualTo("bad-observation-time");
            assertThat(header(deadLetters.get(0), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("rag.health");
            assertThat(header(deadLetters.get(0), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
            assertThat(new String(deadLetters.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(shard("shard-2"));

            // The stream went on: a third valid symptom opens the incident
            reactor.observe(ioError(shard("shard-2"), T0.plusSeconds(3)));
            assertThat(reactor.readCommands()).hasSize(1);
            assertThat(reactor.driver.metrics().entrySet()).anySatisfy(metric -> {
                assertThat(metric.getKey().name()).isEqualTo("dead-lettered-total");
                assertThat((Double) metric.getValue().metricValue()).isEqualTo(1.0);
            });
        }
    }

    @Test
    void shouldDeadLetterFutureObservationTime() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            reactor.observe(ioError(shard("shard-2"), T0.plusSeconds(6 * 60)));

            final List<TestRecord<byte[], byte[]>> deadLetters = reactor.deadLetters.readRecordsToList();
            assertThat(deadLetters).hasSize(1);
            assertThat(header(deadLetters.get(0), DeadLetterHeaders.REASON)).isEqualTo("bad-observation-time");
            assertThat(header(deadLetters.get(0), DeadLetterHeaders.EXCEPTION)).contains("ahead of the clock");
        }
    }

    @Test
    void shouldDeadLetterPoisonPillsAndKeepProcessing() {
        // K07: a valid event, a record that is not Avro, one with an unknown schema id, then valid events
        try (ReactorFixture reactor = new ReactorFixture()) {
            reactor.observe(ioError(shard("shard-5"), T0));
            reactor.rawHealth.pipeInput(key(shard("shard-5")), "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8),
                    T0.plusSeconds(1));
            final byte[] unknownId = ByteBuffer.allocate(9).put((byte) 0).putInt(4242).putInt(7).array();
            reactor.rawHealth.pipeInput(key(shard("shard-5")), unknownId, T0.plusSeconds(2));
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(3)));
            reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(4)));

            final List<TestRecord<byte[], byte[]>> deadLetters = reactor.deadLetters.readRecordsToList();
            assertThat(deadLetters).extracting(r -> header(r, DeadLetterHeaders.REASON))
                    .containsExactly("not-avro", "unknown-schema-id");
            assertThat(deadLetters.get(1).value()).isEqualTo(unknownId);
            assertThat(reactor.readCommands()).hasSize(1);
        }
    }

    @Test
    void shouldDeadLetterInvalidTargetsAndMissingKeys() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            final HealthEvent event = ioError(shard("shard-5"), T0);
            reactor.health.pipeInput(new TestRecord<>("rag-prod/vectorstore/shard-5;rm -rf", event, T0));
            reactor.health.pipeInput(new TestRecord<>(shard("shard-4"), event, T0));
            reactor.rawHealth.pipeInput(null, new byte[] {0, 0, 0, 0, 1}, T0);

            assertThat(reactor.deadLetters.readRecordsToList()).extracting(r -> header(r, DeadLetterHeaders.REASON))
                    .containsExactly("invalid-target", "invalid-target", "null-key");
        }
    }

    @Test
    void shouldTreatTombstoneAsRemovalNotBadInput() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given an open incident on shard-5
            for (int second = 1; second <= 3; second++) {
                reactor.observe(ioError(shard("shard-5"), T0.plusSeconds(second)));
            }
            reactor.readCommands();

            // When the shard is removed
            reactor.rawHealth.pipeInput(key(shard("shard-5")), null, T0.plusSeconds(10));

            // Then the incident closes as removed, nothing is dead-lettered, and the shard is forgotten
            assertThat(reactor.deadLetters.isEmpty()).isTrue();
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates.get(updates.size() - 1).getState()).isEqualTo(IncidentState.REMOVED);
            assertThat(reactor.driver.getKeyValueStore("incident-state").get(shard("shard-5"))).isNull();
        }
    }
}
