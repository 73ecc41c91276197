package io.ragreactor.schemas.registry;

/** The registry answered that no schema has the requested id (Confluent error code 40403). */
public class UnknownSchemaIdException extends SchemaRegistryException {

    private final int schemaId;

    public UnknownSchemaIdException(final int schemaId) {
        super("schema registry has no schema with id " + schemaId);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
