package io.ragreactor.schemas.topics;

import io.ragreactor.schemas.budget.BudgetMessage;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.SchemaRegistryClient;
import io.ragreactor.schemas.serde.AvroBinarySerde;
import io.ragreactor.schemas.serde.ConfluentAvroSerde;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic catalogue. Keys are plain UTF-8 strings: the target {@code namespace/component/instance}
 * everywhere except {@code rag.incidents}, which is keyed by incident id, and {@code rag.control}, keyed by
 * the instruction ({@code silence/<name>}, {@code maintenance/<name>}, {@code kill-switch},
 * {@code incident/<id>}). Values are Avro in the
 * Confluent wire format, except the dead-letter topic, which keeps the bad record's bytes as they came, and
 * the reactor's internal budget topic, which uses Avro single-object encoding like its state stores.
 */
public record Topics(
        Topic<String, HealthEvent> health,
        Topic<String, RecoveryCommand> commands,
        Topic<String, RecoveryOutcome> outcomes,
        Topic<String, IncidentUpdate> incidents,
        Topic<byte[], byte[]> healthDeadLetter,
        Topic<String, ControlRecord> control,
        Topic<String, BudgetMessage> budget) {

    /** The catalogue for {@code names}, with serdes that use {@code registry}. */
    public static Topics create(final TopicNames names, final SchemaRegistryClient registry) {
        final Serde<String> keys = Serdes.String();
        return new Topics(
                new Topic<>(names.health(), keys, ConfluentAvroSerde.forValues(HealthEvent.class, registry)),
                new Topic<>(names.commands(), keys, ConfluentAvroSerde.forValues(RecoveryCommand.class, registry)),
                new Topic<>(names.outcomes(), keys, ConfluentAvroSerde.forValues(RecoveryOutcome.class, registry)),
                new Topic<>(names.incidents(), keys, ConfluentAvroSerde.forValues(IncidentUpdate.class, registry)),
                new Topic<>(names.healthDeadLetter(), Serdes.ByteArray(), Serdes.ByteArray()),
                new Topic<>(names.control(), keys, ConfluentAvroSerde.forValues(ControlRecord.class, registry)),
                new Topic<>(names.budget(), keys, new AvroBinarySerde<>(BudgetMessage.class)));
    }
}
