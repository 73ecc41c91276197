package io.ragreactor.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for state stores: Avro single-object encoding (a 10-byte header with the writer schema's
 * fingerprint, then the binary body), without a registry, because only the reactor reads its own
 * changelogs. When a state schema changes, pass the previous schemas to the constructor so values
 * written before still decode.
 */
public final class AvroBinarySerde<T extends SpecificRecord> implements Serde<T> {

    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroBinarySerde(final Class<T> type, final Schema... previousSchemas) {
        this.schema = SpecificData.get().getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(SpecificData.get(), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.get(), schema);
        for (final Schema previous : previousSchemas) {
            decoder.addSchema(previous);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                final ByteBuffer buffer = encoder.encode(data);
                final byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            } catch (final IOException e) {
                throw new SerializationException("cannot encode " + schema.getFullName(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return decoder.decode(bytes);
            } catch (final IOException | RuntimeException e) {
                throw new SerializationException("cannot decode " + schema.getFullName() + " from " + topic, e);
            }
        };
    }
}
