package io.ragreactor.embedded.kafka;

/** A running Kafka broker that tests and the demo reach through its bootstrap servers. */
public interface KafkaBroker {

    /** The {@code bootstrap.servers} value for clients of this broker, for example {@code 127.0.0.1:39092}. */
    String bootstrapServers();
}
