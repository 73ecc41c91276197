package io.ragreactor.schemas.serde;

import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.registry.SchemaRegistryClient;
import io.ragreactor.schemas.registry.UnknownSchemaIdException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for generated Avro records in the Confluent wire format: magic byte 0, the writer schema's
 * registry id as a 4-byte big-endian integer, then the Avro binary body. Schemas are registered under
 * the TopicNameStrategy subject {@code <topic>-value} (or {@code -key}); a null value is a tombstone
 * and stays null in both directions.
 */
public final class ConfluentAvroSerde<T extends SpecificRecord> implements Serde<T> {

    /** First byte of every framed value. */
    public static final byte MAGIC_BYTE = 0;
    /** Bytes before the Avro body: the magic byte and the schema id. */
    public static final int HEADER_SIZE = 5;

    private final SchemaRegistryClient registry;
    private final Schema readerSchema;
    private final boolean forKey;
    private final Map<String, Integer> writerIdsByTopic = new ConcurrentHashMap<>();
    private final Map<Integer, SpecificDatumReader<T>> readersBySchemaId = new ConcurrentHashMap<>();
    private final SpecificDatumWriter<T> writer;

    private ConfluentAvroSerde(final SchemaRegistryClient registry, final Schema schema, final boolean forKey) {
        this.registry = registry;
        this.readerSchema = schema;
        this.forKey = forKey;
        this.writer = new SpecificDatumWriter<>(schema);
    }

    /** A serde for record values of the generated class {@code type}. */
    public static <T extends SpecificRecord> ConfluentAvroSerde<T> forValues(
            final Class<T> type, final SchemaRegistryClient registry) {
        return new ConfluentAvroSerde<>(registry, SpecificData.get().getSchema(type), false);
    }

    /** The registry subject of this serde's records on {@code topic}. */
    public String subject(final String topic) {
        return topic + (forKey ? "-key" : "-value");
    }

    @Override
    public Serializer<T> serializer() {
        return this::serialize;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::deserialize;
    }

    /** Frames {@code data} for {@code topic}, registering the schema on the first call per topic. */
    public byte[] serialize(final String topic, final T data) {
        if (data == null) {
            return null;
        }
        final int schemaId = writerIdsByTopic.computeIfAbsent(topic, t -> registry.register(subject(t), readerSchema));
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
        final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(data, encoder);
            encoder.flush();
        } catch (final IOException | AvroRuntimeException e) {
            throw new SerializationException("cannot encode " + readerSchema.getFullName() + " for topic " + topic, e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes a framed value. Throws {@link BadRecordException} when the bytes are not a valid frame of
     * this record type, and lets registry outages through as {@code SchemaRegistryException}.
     */
    public T deserialize(final String topic, final byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length < HEADER_SIZE || bytes[0] != MAGIC_BYTE) {
            throw new BadRecordException(DeadLetterReason.NOT_AVRO, "value on " + topic
                    + " is not in the Confluent wire format (" + bytes.length + " bytes, first byte "
                    + (bytes.length == 0 ? "none" : String.valueOf(bytes[0])) + ")");
        }
        final int schemaId = ByteBuffer.wrap(bytes, 1, 4).getInt();
        final SpecificDatumReader<T> reader = readerFor(topic, schemaId);
        final BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(bytes, HEADER_SIZE, bytes.length - HEADER_SIZE, null);
        try {
            final T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new BadRecordException(DeadLetterReason.WRONG_SCHEMA, "value on " + topic + " with schema id "
                        + schemaId + " has bytes left after its Avro body");
            }
            return value;
        } catch (final IOException | RuntimeException e) {
            if (e instanceof BadRecordException bad) {
                throw bad;
            }
            throw new BadRecordException(DeadLetterReason.WRONG_SCHEMA, "value on " + topic + " with schema id "
                    + schemaId + " is not a valid " + readerSchema.getName() + ": " + e.getMessage(), e);
        }
    }

    private SpecificDatumReader<T> readerFor(final String topic, final int schemaId) {
        final SpecificDatumReader<T> cached = readersBySchemaId.get(schemaId);
        if (cached != null) {
            return cached;
        }
        final Schema writerSchema;
        try {
            writerSchema = registry.schemaById(schemaId);
        } catch (final UnknownSchemaIdException e) {
            throw new BadRecordException(DeadLetterReason.UNKNOWN_SCHEMA_ID, "value on " + topic
                    + " names schema id " + schemaId + ", which the registry does not know", e);
        }
        if (!writerSchema.getFullName().equals(readerSchema.getFullName())) {
            throw new BadRecordException(DeadLetterReason.WRONG_SCHEMA, "value on " + topic + " was written as "
                    + writerSchema.getFullName() + " (schema id " + schemaId + "), expected "
                    + readerSchema.getFullName());
        }
        final SpecificDatumReader<T> reader = new SpecificDatumReader<>(writerSchema, readerSchema);
        readersBySchemaId.put(schemaId, reader);
        return reader;
    }
}
