package io.ragreactor.schemas.registry;

import org.apache.avro.Schema;

/** Registers and looks up Avro schemas in a Confluent-compatible schema registry. */
public interface SchemaRegistryClient {

    /**
     * Registers {@code schema} under {@code subject}, or finds it when it is already registered there,
     * and returns its global id.
     */
    int register(String subject, Schema schema);

    /**
     * Returns the schema with the given global id.
     *
     * @throws UnknownSchemaIdException when the registry has no schema with that id
     */
    Schema schemaById(int id);
}
