package io.ragreactor.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragreactor.embedded.junit.KafkaBrokerExtension;
import io.ragreactor.embedded.kafka.KafkaBroker;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.serde.BadRecordException;
import io.ragreactor.schemas.serde.ConfluentAvroSerde;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Checks the schemas module's serde byte for byte against frames built by hand, with this module's registry
 * as the other side of the wire.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ConfluentAvroSerdeTest {

    private static final String TOPIC = "rag.evidence";
    private static final Evidence EVIDENCE = Evidence.newBuilder()
            .setKind("exit-code")
            .setSource("rag-prod/restore-shard-5")
            .setText("137")
            .setTruncated(true)
            .build();

    private static EmbeddedSchemaRegistry registry;
    private static int evidenceId;

    private ConfluentAvroSerde<Evidence> serde;

    @BeforeAll
    static void startRegistry(final KafkaBroker broker) {
        registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers(), "_rag-schemas-serde-" + UUID.randomUUID(), 0);
        // Another schema first, so the Evidence id is 2 and a serde that wrote a fixed id would be caught.
        final RestSchemaRegistryClient setup = new RestSchemaRegistryClient(registry.url());
        setup.register("workload-value", WorkloadRef.getClassSchema());
        evidenceId = setup.register(TOPIC + "-value", Evidence.getClassSchema());
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void newSerde() {
        // A fresh client per test, so each test goes to the registry instead of a cache filled by another.
        serde = ConfluentAvroSerde.forValues(Evidence.class, new RestSchemaRegistryClient(registry.url()));
    }

    @Test
    void shouldDecodeHandBuiltFrame() throws IOException {
        // Given
        final byte[] frame = frame(evidenceId, EVIDENCE);

        // When
        final Evidence decoded = serde.deserialize(TOPIC, frame);

        // Then
        assertThat(evidenceId).isEqualTo(2);
        assertThat(decoded).isEqualTo(EVIDENCE);
    }

    @Test
    void shouldEncodeToExactlyHandBuiltFrame() throws IOException {
        // When
        final byte[] encoded = serde.serialize(TOPIC, EVIDENCE);

        // Then
        assertThat(encoded).containsExactly(frame(evidenceId, EVIDENCE));
    }

    @Test
    void shouldRoundTripThroughKafkaSerializerInterfaces() {
        // When
        final byte[] encoded = serde.serializer().serialize(TOPIC, EVIDENCE);
        final Evidence decoded = serde.deserializer().deserialize(TOPIC, encoded);

        // Then
        assertThat(decoded).isEqualTo(EVIDENCE);
    }

    @Test
    void shouldRejectMissingMagicByte() throws IOException {
        // Given
        final byte[] frame = frame(evidenceId, EVIDENCE);
        frame[0] = 1;

        // When / Then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, frame))
                .isInstanceOfSatisfying(BadRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.NOT_AVRO));
    }

    @Test
    void shouldRejectValueShorterThanHeader() {
        // When / Then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, new byte[] {0, 0, 0}))
                .isInstanceOfSatisfying(BadRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.NOT_AVRO));
    }

    @Test
    void shouldRejectIdUnknownToRegistry() throws IOException {
        // Given
        final byte[] frame = frame(4_711, EVIDENCE);

        // When / Then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, frame))
                .isInstanceOfSatisfying(BadRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNKNOWN_SCHEMA_ID));
    }

    @Test
    void shouldRejectTruncatedBody() throws IOException {
        // Given the frame without its last byte, the boolean of the last field
        final byte[] complete = frame(evidenceId, EVIDENCE);
        final byte[] truncated = Arrays.copyOf(complete, complete.length - 1);

        // When / Then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, truncated))
                .isInstanceOfSatisfying(BadRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.WRONG_SCHEMA));
    }

    @Test
    void shouldRejectBodyCutInsideString() throws IOException {
        // Given the frame cut in the middle of the first string field
        final byte[] truncated = Arrays.copyOf(frame(evidenceId, EVIDENCE), 8);

        // When / Then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, truncated))
                .isInstanceOfSatisfying(BadRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.WRONG_SCHEMA));
    }

    @Test
    void shouldRejectTrailingBytes() throws IOException {
        // Given
        final byte[] complete = frame(evidenceId, EVIDENCE);
        final byte[] padded = Arrays.copyOf(complete, complete.length + 2);

        // When / Then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, padded))
                .isInstanceOfSatisfying(BadRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.WRONG_SCHEMA));
    }

    @Test
    void shouldRejectOtherRecordType() throws IOException {
        // Given a frame naming the WorkloadRef schema, id 1
        final byte[] frame = frame(1, EVIDENCE);

        // When / Then
        assertThatThrownBy(() -> serde.deserialize(TOPIC, frame))
                .isInstanceOfSatisfying(BadRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.WRONG_SCHEMA));
    }

    @Test
    void shouldKeepNullAsNullBothWays() {
        // When
        final byte[] encoded = serde.serialize(TOPIC, null);
        final Evidence decoded = serde.deserialize(TOPIC, null);

        // Then
        assertThat(encoded).isNull();
        assertThat(decoded).isNull();
    }

    /** Confluent frame built without the serde: magic byte 0, big-endian id, then each field's Avro binary. */
    private static byte[] frame(final int schemaId, final Evidence evidence) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
        final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        encoder.writeString(evidence.getKind());
        encoder.writeString(evidence.getSource());
        encoder.writeString(evidence.getText());
        encoder.writeBoolean(evidence.getTruncated());
        encoder.flush();
        return out.toByteArray();
    }
}
