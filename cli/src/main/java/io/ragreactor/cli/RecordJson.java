package io.ragreactor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * Converts Avro records to plain JSON for scripts: field names as in the schema, times as ISO-8601 instants,
 * enums as their symbol, a union as the value of its branch without Avro's type wrapper, and bytes as
 * Base64.
 */
final class RecordJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RecordJson() {
    }

    /** Returns {@code value}, an Avro record or a value of one of its fields, as a JSON tree. */
    static JsonNode toJson(final Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof IndexedRecord record) {
            final ObjectNode object = NODES.objectNode();
            for (final Schema.Field field : record.getSchema().getFields()) {
                object.set(field.name(), toJson(record.get(field.pos())));
            }
            return object;
        }

        if (value instanceof CharSequence || value instanceof Enum<?> || value instanceof GenericEnumSymbol<?>
                || value instanceof Instant) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof Boolean flag) {
            return NODES.booleanNode(flag);
        }

        if (value instanceof Integer number) {
            return NODES.numberNode(number);
        }
        if (value instanceof Long number) {
            return NODES.numberNode(number);
        }
        if (value instanceof Float number) {
            return NODES.numberNode(number);
        }
        if (value instanceof Double number) {
            return NODES.numberNode(number);
        }

        if (value instanceof ByteBuffer bytes) {
            final ByteBuffer copy = bytes.duplicate();
            final byte[] array = new byte[copy.remaining()];
            copy.get(array);
            return NODES.textNode(Base64.getEncoder().encodeToString(array));
        }

        if (value instanceof Collection<?> items) {
            final ArrayNode array = NODES.arrayNode();
            items.forEach(item -> array.add(toJson(item)));
            return array;
        }
        if (value instanceof Map<?, ?> entries) {
            final ObjectNode object = NODES.objectNode();
            entries.forEach((key, item) -> object.set(key.toString(), toJson(item)));
            return object;
        }
        return NODES.textNode(value.toString());
    }

    /** Writes {@code json} as one line of text. */
    static String line(final JsonNode json) {
        try {
            return MAPPER.writeValueAsString(json);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree built from an Avro record cannot fail to serialize", e);
        }
    }

    /** Returns an empty JSON object to fill. */
    static ObjectNode object() {
        return NODES.objectNode();
    }
}
