package io.ragreactor.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's subjects, versions and ids, kept in memory and persisted as one record per registration on a
 * compacted single-partition topic. Record keys and values are JSON modelled on Confluent's {@code _schemas} topic.
 * Only one store may write to a topic at a time, because a store does not read records that others append.
 */
final class SchemaStore implements AutoCloseable {

    /** One version of a subject. */
    record SubjectVersion(String subject, int version, int id, String schema) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(SchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA_TYPE_AVRO = "AVRO";

    private final String topic;
    private final Duration timeout;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, NavigableMap<Integer, SubjectVersion>> subjects = new TreeMap<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private int maxId;

    private SchemaStore(final String topic, final Duration timeout, final KafkaProducer<byte[], byte[]> producer) {
        this.topic = topic;
        this.timeout = timeout;
        this.producer = producer;
    }

    /** Creates the topic when it is missing, reads it to its end, and returns a store ready for writes. */
    static SchemaStore open(final String bootstrapServers, final String topic, final Duration timeout) {
        ensureTopic(bootstrapServers, topic, timeout);
        final KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(bootstrapServers, timeout),
                new ByteArraySerializer(), new ByteArraySerializer());
        final SchemaStore store = new SchemaStore(topic, timeout, producer);
        try {
            store.replay(bootstrapServers);
        } catch (final RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    private static Map<String, Object> producerConfig(final String bootstrapServers, final Duration timeout) {
        final int timeoutMs = (int) timeout.toMillis();
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "embedded-schema-registry",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
    }

    private static void ensureTopic(final String bootstrapServers, final String topic, final Duration timeout) {
        final int timeoutMs = (int) timeout.toMillis();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs))) {
            final TopicDescription description = describeOrCreate(admin, topic, timeout);
            if (description.partitions().size() != 1) {
                throw new IllegalStateException("Schema topic " + topic + " has " + description.partitions().size()
                        + " partitions, but the registry needs exactly one to keep registrations in order");
            }
            final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            final Config config = admin.describeConfigs(List.of(resource)).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
            final ConfigEntry cleanupPolicy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (cleanupPolicy == null || !TopicConfig.CLEANUP_POLICY_COMPACT.equals(cleanupPolicy.value())) {
                LOG.warn("Schema topic {} has cleanup.policy={} instead of compact, so the broker may delete "
                        + "registrations once they pass the topic's retention", topic,
                        cleanupPolicy == null ? null : cleanupPolicy.value());
            }
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot prepare schema topic " + topic + " on " + bootstrapServers, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while preparing schema topic " + topic, e);
        }
    }

    private static TopicDescription describeOrCreate(final Admin admin, final String topic, final Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        } catch (final ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw e;
            }
        }
        // Replication factor left to the broker's default.replication.factor, so a real cluster keeps its own.
        final NewTopic newTopic = new NewTopic(topic, Optional.of(1), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try {
            admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created schema topic {} (compacted, one partition)", topic);
        } catch (final ExecutionException e) {
            // Another registry created it between our describe and create; its description is what counts.
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        return describeCreated(admin, topic, timeout);
    }

    /**
     * Describes a topic that was just created. The broker may reply to the first describe before its metadata
     * contains the new topic, so an unknown topic is asked for again until {@code timeout} has passed.
     */
    private static TopicDescription describeCreated(final Admin admin, final String topic, final Duration timeout)
            throws ExecutionException, TimeoutException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            } catch (final ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.debug("Schema topic {} is not known to the broker yet; describing it again", topic);
                Thread.sleep(50);
            }
        }
    }

    /** Reads the topic from its start to the end offset it had when the read began, applying each registration. */
    private void replay(final String bootstrapServers) {
        final TopicPartition partition = new TopicPartition(topic, 0);
        int applied = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "embedded-schema-registry-reader",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            final long endOffset = consumer.endOffsets(List.of(partition), timeout).get(partition);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(partition, timeout) < endOffset) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Timed out after " + timeout.toSeconds() + " s reading schema topic "
                            + topic + " up to offset " + endOffset);
                }
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (applyRecord(record)) {
                        applied++;
                    }
                }
            }
        }
        LOG.info("Read schema topic {}: {} registrations, {} subjects, {} schemas", topic, applied,
                subjects.size(), schemasById.size());
    }

    private synchronized boolean applyRecord(final ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            // A tombstone carries no registration, and this registry never writes one.
            return false;
        }
        try {
            final JsonNode value = JSON.readTree(record.value());
            final SubjectVersion version = new SubjectVersion(value.path("subject").asText(null),
                    value.path("version").asInt(0), value.path("id").asInt(0), value.path("schema").asText(null));
            if (version.subject() == null || version.version() < 1 || version.id() < 1 || version.schema() == null
                    || value.path("deleted").asBoolean(false)) {
                LOG.warn("Skipped a record that is not a live schema registration: topic={} partition={} offset={}",
                        record.topic(), record.partition(), record.offset());
                return false;
            }
            apply(version);
            return true;
        } catch (final IOException e) {
            LOG.warn("Skipped a schema record that is not JSON: topic={} partition={} offset={}",
                    record.topic(), record.partition(), record.offset(), e);
            return false;
        }
    }

    private void apply(final SubjectVersion version) {
        subjects.computeIfAbsent(version.subject(), subject -> new TreeMap<>()).put(version.version(), version);
        schemasById.put(version.id(), version.schema());
        idsBySchema.putIfAbsent(version.schema(), version.id());
        maxId = Math.max(maxId, version.id());
    }

    /**
     * Registers {@code schema} (Avro's canonical JSON of a parsed schema) under {@code subject}, or returns the id
     * it already has there. A new version must be BACKWARD compatible with the subject's latest one: a reader
     * with the new schema reads data written with the latest. A new registration returns only after the broker
     * acknowledged its record.
     *
     * @throws RegistryException with {@link RegistryError#INCOMPATIBLE_SCHEMA} when the schema is not BACKWARD
     *     compatible, and with {@link RegistryError#STORE_ERROR} when the write fails or times out
     */
    synchronized int register(final String subject, final String schema) {
        final Optional<SubjectVersion> existing = lookup(subject, schema);
        if (existing.isPresent()) {
            return existing.get().id();
        }

        // The same schema text keeps its global id in every subject, as in Confluent's registry.
        final int id = idsBySchema.getOrDefault(schema, maxId + 1);
        final NavigableMap<Integer, SubjectVersion> versions = subjects.get(subject);
        final int version = versions == null ? 1 : versions.lastKey() + 1;
        if (versions != null) {
            requireBackwardCompatible(subject, schema, versions.lastEntry().getValue());
        }
        final SubjectVersion registration = new SubjectVersion(subject, version, id, schema);

        write(registration);
        apply(registration);
        LOG.info("Registered schema: subject=[{}] version=[{}] id=[{}]", subject, version, id);
        return id;
    }

    /** Checks that a reader with {@code schema} reads data written with {@code latest}, as Confluent's BACKWARD does. */
    private static void requireBackwardCompatible(final String subject, final String schema,
                                                  final SubjectVersion latest) {
        final Schema reader = new Schema.Parser().parse(schema);
        final Schema writer = new Schema.Parser().parse(latest.schema());
        final SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            final String problems = result.getResult().getIncompatibilities().stream()
                    .map(problem -> problem.getType() + " at " + problem.getLocation() + ": " + problem.getMessage())
                    .collect(Collectors.joining("; "));
            throw new RegistryException(RegistryError.INCOMPATIBLE_SCHEMA, "Schema being registered is incompatible"
                    + " with an earlier schema for subject \"" + subject + "\" (version " + latest.version()
                    + ", compatibility BACKWARD): " + problems);
        }
    }

    private void write(final SubjectVersion registration) {
        final ObjectNode key = JSON.createObjectNode()
                .put("keytype", "SCHEMA")
                .put("subject", registration.subject())
                .put("version", registration.version())
                .put("magic", 1);
        final ObjectNode value = JSON.createObjectNode()
                .put("subject", registration.subject())
                .put("version", registration.version())
                .put("id", registration.id())
                .put("schemaType", SCHEMA_TYPE_AVRO)
                .put("schema", registration.schema())
                .put("deleted", false);
        try {
            producer.send(new ProducerRecord<>(topic, 0, JSON.writeValueAsBytes(key), JSON.writeValueAsBytes(value)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final ExecutionException | TimeoutException | IOException | RuntimeException e) {
            final Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new RegistryException(RegistryError.STORE_ERROR, "Error while registering a schema under subject '"
                    + registration.subject() + "': the write to topic " + topic + " failed: " + cause, cause);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryError.STORE_ERROR, "Interrupted while writing a schema of subject '"
                    + registration.subject() + "' to topic " + topic, e);
        }
    }

    /** The version of {@code subject} whose schema is {@code schema}, if it was registered there. */
    synchronized Optional<SubjectVersion> lookup(final String subject, final String schema) {
        final NavigableMap<Integer, SubjectVersion> versions = subjects.get(subject);
        if (versions == null) {
            return Optional.empty();
        }
        return versions.values().stream().filter(version -> version.schema().equals(schema)).findFirst();
    }

    synchronized List<String> subjects() {
        return new ArrayList<>(subjects.keySet());
    }

    synchronized boolean hasSubject(final String subject) {
        return subjects.containsKey(subject);
    }

    /** Versions of {@code subject} in ascending order, or empty when the subject is unknown. */
    synchronized Optional<List<SubjectVersion>> versions(final String subject) {
        final NavigableMap<Integer, SubjectVersion> versions = subjects.get(subject);
        return versions == null ? Optional.empty() : Optional.of(new ArrayList<>(versions.values()));
    }

    synchronized Optional<String> schemaById(final int id) {
        return Optional.ofNullable(schemasById.get(id));
    }

    String topic() {
        return topic;
    }

    @Override
    public void close() {
        producer.close(timeout);
    }
}
