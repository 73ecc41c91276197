package io.ragreactor.cli;

import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.topics.Topic;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes one operator instruction, or the tombstone that withdraws one, to the control topic and waits for it. */
final class ControlWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ControlWriter.class);

    private ControlWriter() {
    }

    /**
     * Writes {@code value} under {@code key}, or a tombstone when {@code value} is null, and returns where the
     * broker stored it.
     *
     * @throws CommandFailedException when the topic is missing or the broker does not accept the record
     */
    static RecordMetadata write(final ClusterSettings settings, final Topic<String, ControlRecord> control,
                                final String key, final ControlRecord value) {
        TopicCheck.requireTopics(settings, control.name());
        try (KafkaProducer<String, ControlRecord> producer = new KafkaProducer<>(settings.producerConfig(),
                control.keySerde().serializer(), control.valueSerde().serializer())) {
            final RecordMetadata metadata = producer.send(new ProducerRecord<>(control.name(), key, value)).get();
            LOG.info("Wrote control record key=[{}] tombstone=[{}] createdBy=[{}] partition=[{}] offset=[{}]", key,
                    value == null, value == null ? "" : value.getCreatedBy(), metadata.partition(), metadata.offset());
            return metadata;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailedException("interrupted while writing " + key + " to " + control.name(), e);
        } catch (final ExecutionException e) {
            throw new CommandFailedException(control.name() + " did not accept the record " + key + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Describes where a record went, for example {@code rag.control partition 0 offset 12}. */
    static String position(final RecordMetadata metadata) {
        return metadata.topic() + " partition " + metadata.partition() + " offset " + metadata.offset();
    }
}
