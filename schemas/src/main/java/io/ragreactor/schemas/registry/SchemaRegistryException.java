package io.ragreactor.schemas.registry;

import org.apache.kafka.common.KafkaException;

/** The schema registry could not be reached or rejected a request; the record itself may be fine. */
public class SchemaRegistryException extends KafkaException {

    public SchemaRegistryException(final String message) {
        super(message);
    }

    public SchemaRegistryException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
