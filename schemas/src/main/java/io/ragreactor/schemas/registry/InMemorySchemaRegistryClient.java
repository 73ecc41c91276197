package io.ragreactor.schemas.registry;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry client that keeps schemas in this process only, assigning ids in registration order as a
 * registry does. For topology tests and in-memory replays, where every writer and reader shares one
 * instance; it is not a substitute for a registry shared between processes.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();

    @Override
    public synchronized int register(final String subject, final Schema schema) {
        // Like a Confluent registry, one schema text has one global id whatever the subject.
        return idsBySchema.computeIfAbsent(schema.toString(), text -> {
            final int id = schemasById.size() + 1;
            schemasById.put(id, schema);
            return id;
        });
    }

    @Override
    public synchronized Schema schemaById(final int id) {
        final Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new UnknownSchemaIdException(id);
        }
        return schema;
    }
}
