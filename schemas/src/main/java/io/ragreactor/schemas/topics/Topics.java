package io.ragreactor.schemas.topics;

import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.SchemaRegistryClient;
import io.ragreactor.schemas.serde.ConfluentAvroSerde;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic catalogue. Keys are plain UTF-8 strings: the target {@code namespace/component/instance}
 * everywhere except {@code rag.incidents}, which is keyed by incident id. Values are Avro in the
 * Confluent wire format, except the dead-letter topic, which keeps the bad record's bytes as they came.
 */
public record Topics(
        Topic<String, HealthEvent> health,
        Topic<String, RecoveryCommand> commands,
        Topic<String, RecoveryOutcome> outcomes,
        Topic<String, IncidentUpdate> incidents,
        Topic<byte[], byte[]> healthDeadLetter) {

    /** The catalogue for {@code names}, with serdes that use {@code registry}. */
    public static Topics create(final TopicNames names, final SchemaRegistryClient registry) {
        final Serde<String> keys = Serdes.String();
        return new Topics(
                new Topic<>(names.health(), keys, ConfluentAvroSerde.forValues(HealthEvent.class, registry)),
                new Topic<>(names.commands(), keys, ConfluentAvroSerde.forValues(RecoveryCommand.class, registry)),
                new Topic<>(names.outcomes(), keys, ConfluentAvroSerde.forValues(RecoveryOutcome.class, registry)),
                new Topic<>(names.incidents(), keys, ConfluentAvroSerde.forValues(IncidentUpdate.class, registry)),
                new Topic<>(names.healthDeadLetter(), Serdes.ByteArray(), Serdes.ByteArray()));
    }
}
