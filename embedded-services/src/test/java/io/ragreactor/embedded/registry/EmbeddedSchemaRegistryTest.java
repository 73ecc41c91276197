package io.ragreactor.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.ragreactor.embedded.junit.KafkaBrokerExtension;
import io.ragreactor.embedded.kafka.KafkaBroker;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.serde.ConfluentAvroSerde;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class EmbeddedSchemaRegistryTest {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String RECORD_A = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}";
    private static final String RECORD_A_V2 = "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},"
            + "{\"name\":\"y\",\"type\":\"string\",\"default\":\"\"}]}";
    private static final String RECORD_B = "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"s\",\"type\":\"string\"}]}";

    private static String bootstrapServers;

    private String topic;
    private EmbeddedSchemaRegistry registry;
    private RegistryHttp http;

    @BeforeAll
    static void captureBroker(final KafkaBroker broker) {
        bootstrapServers = broker.bootstrapServers();
    }

    @BeforeEach
    void startRegistry() {
        // A topic per test keeps ids independent of the order tests run in on the shared broker.
        topic = "_rag-schemas-test-" + UUID.randomUUID();
        registry = EmbeddedSchemaRegistry.start(bootstrapServers, topic, 0);
        http = new RegistryHttp(registry.url());
    }

    @AfterEach
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void shouldAssignIdsInRegistrationOrder() {
        // When
        final int first = http.register("a-value", RECORD_A);
        final int second = http.register("a-value", RECORD_A_V2);
        final int third = http.register("b-value", RECORD_B);

        // Then
        assertThat(List.of(first, second, third)).containsExactly(1, 2, 3);
        assertThat(registry.url()).startsWith("http://127.0.0.1:");
    }

    @Test
    void shouldReturnOnlyIdOnRegister() {
        // When
        final RegistryHttp.Response response = http.post("/subjects/a-value/versions",
                "{\"schema\":" + quote(RECORD_A) + ",\"schemaType\":\"AVRO\"}");

        // Then
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(response.body().toString()).isEqualTo("{\"id\":1}");
    }

    @Test
    void shouldReturnExistingIdOnReregister() {
        // Given
        final int id = http.register("a-value", RECORD_A);

        // When
        final int again = http.register("a-value", RECORD_A);
        final int reformatted = http.register("a-value", RECORD_A.replace(",", " ,\n  "));

        // Then
        assertThat(again).isEqualTo(id);
        assertThat(reformatted).isEqualTo(id);
        assertThat(http.get("/subjects/a-value/versions").body().toString()).isEqualTo("[1]");
    }

    @Test
    void shouldReuseIdAcrossSubjects() {
        // Given
        final int id = http.register("a-value", RECORD_A);
        http.register("b-value", RECORD_B);

        // When
        final int inOtherSubject = http.register("c-value", RECORD_A);

        // Then
        assertThat(inOtherSubject).isEqualTo(id);
        final JsonNode version = http.get("/subjects/c-value/versions/1").body();
        assertThat(version.get("version").intValue()).isEqualTo(1);
        assertThat(version.get("id").intValue()).isEqualTo(id);
        assertThat(http.register("d-value", RECORD_A_V2)).isEqualTo(3);
    }

    @Test
    void shouldListSubjectsAndVersions() {
        // Given
        http.register("b-value", RECORD_B);
        http.register("a-value", RECORD_A);
        http.register("a-value", RECORD_A_V2);

        // When
        final RegistryHttp.Response subjects = http.get("/subjects");
        final RegistryHttp.Response versions = http.get("/subjects/a-value/versions");

        // Then
        assertThat(subjects.status()).isEqualTo(200);
        assertThat(subjects.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(subjects.body().toString()).isEqualTo("[\"a-value\",\"b-value\"]");
        assertThat(versions.body().toString()).isEqualTo("[1,2]");
    }

    @Test
    void shouldReturnSubjectVersionByNumberAndLatest() {
        // Given
        http.register("a-value", RECORD_A);
        http.register("a-value", RECORD_A_V2);

        // When
        final RegistryHttp.Response first = http.get("/subjects/a-value/versions/1");
        final RegistryHttp.Response latest = http.get("/subjects/a-value/versions/latest");
        final RegistryHttp.Response minusOne = http.get("/subjects/a-value/versions/-1");

        // Then
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().toString()).isEqualTo("{\"subject\":\"a-value\",\"version\":1,\"id\":1,\"schema\":"
                + quote(new Schema.Parser().parse(RECORD_A).toString()) + "}");
        assertThat(latest.body().get("version").intValue()).isEqualTo(2);
        assertThat(latest.body().get("id").intValue()).isEqualTo(2);
        assertThat(new Schema.Parser().parse(latest.body().get("schema").textValue()))
                .isEqualTo(new Schema.Parser().parse(RECORD_A_V2));
        assertThat(minusOne.body()).isEqualTo(latest.body());
    }

    @Test
    void shouldLookUpSchemaUnderSubject() {
        // Given
        http.register("a-value", RECORD_A);
        http.register("a-value", RECORD_A_V2);

        // When
        final RegistryHttp.Response found = http.post("/subjects/a-value", RegistryHttp.schemaBody(RECORD_A_V2));
        final RegistryHttp.Response otherSchema = http.post("/subjects/a-value", RegistryHttp.schemaBody(RECORD_B));
        final RegistryHttp.Response otherSubject = http.post("/subjects/nobody-value", RegistryHttp.schemaBody(RECORD_A));

        // Then
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.body().get("subject").textValue()).isEqualTo("a-value");
        assertThat(found.body().get("version").intValue()).isEqualTo(2);
        assertThat(found.body().get("id").intValue()).isEqualTo(2);
        assertThat(found.body().get("schema").textValue()).isEqualTo(new Schema.Parser().parse(RECORD_A_V2).toString());
        assertThat(otherSchema.status()).isEqualTo(404);
        assertThat(otherSchema.body().get("error_code").intValue()).isEqualTo(40403);
        assertThat(otherSubject.status()).isEqualTo(404);
        assertThat(otherSubject.body().get("error_code").intValue()).isEqualTo(40401);
    }

    @Test
    void shouldReturnSchemaById() {
        // Given
        final int id = http.register("b-value", RECORD_B);

        // When
        final RegistryHttp.Response found = http.get("/schemas/ids/" + id);
        final RegistryHttp.Response missing = http.get("/schemas/ids/42");

        // Then
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(found.body().toString()).isEqualTo("{\"schema\":" + quote(new Schema.Parser().parse(RECORD_B).toString()) + "}");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error_code").intValue()).isEqualTo(40403);
        assertThat(missing.body().get("message").textValue()).isEqualTo("Schema 42 not found");
    }

    @Test
    void shouldReportBackwardCompatibilityLevel() {
        // When
        final RegistryHttp.Response config = http.get("/config");

        // Then
        assertThat(config.status()).isEqualTo(200);
        assertThat(config.body().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }

    @Test
    void shouldReturnConfluentErrorCodes() {
        // Given
        http.register("a-value", RECORD_A);

        // When
        final RegistryHttp.Response unknownSubject = http.get("/subjects/nobody-value/versions");
        final RegistryHttp.Response unknownSubjectVersion = http.get("/subjects/nobody-value/versions/1");
        final RegistryHttp.Response unknownVersion = http.get("/subjects/a-value/versions/7");
        final RegistryHttp.Response invalidVersion = http.get("/subjects/a-value/versions/first");

        // Then
        assertThat(unknownSubject.status()).isEqualTo(404);
        assertThat(unknownSubject.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(unknownSubject.body().toString())
                .isEqualTo("{\"error_code\":40401,\"message\":\"Subject 'nobody-value' not found.\"}");
        assertThat(unknownSubjectVersion.body().get("error_code").intValue()).isEqualTo(40401);
        assertThat(unknownVersion.status()).isEqualTo(404);
        assertThat(unknownVersion.body().get("error_code").intValue()).isEqualTo(40402);
        assertThat(invalidVersion.status()).isEqualTo(422);
        assertThat(invalidVersion.body().get("error_code").intValue()).isEqualTo(42202);
    }

    @Test
    void shouldRejectBackwardIncompatibleVersion() {
        // Given a subject at version 1
        http.register("a-value", RECORD_A);

        // When a new version adds a field without a default, or changes a field's type
        final RegistryHttp.Response noDefault = http.post("/subjects/a-value/versions", RegistryHttp.schemaBody(
                "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},"
                        + "{\"name\":\"y\",\"type\":\"string\"}]}"));
        final RegistryHttp.Response newType = http.post("/subjects/a-value/versions", RegistryHttp.schemaBody(
                "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"string\"}]}"));

        // Then both get Confluent's 409 naming the problem, and the subject keeps one version
        assertThat(noDefault.status()).isEqualTo(409);
        assertThat(noDefault.body().get("error_code").intValue()).isEqualTo(409);
        assertThat(noDefault.body().get("message").asText()).contains("incompatible").contains("BACKWARD")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(newType.status()).isEqualTo(409);
        assertThat(http.get("/subjects/a-value/versions").body().toString()).isEqualTo("[1]");
    }

    @Test
    void shouldReadOldRecordWithCompatibleNewVersion() throws Exception {
        // Given a record written in the Confluent wire format with version 1 of the subject
        final int oldId = http.register("a-value", RECORD_A);
        final Schema oldSchema = new Schema.Parser().parse(RECORD_A);
        final GenericRecord written = new GenericData.Record(oldSchema);
        written.put("x", 7);
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(0);
        wire.write(ByteBuffer.allocate(4).putInt(oldId).array());
        final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(wire, null);
        new GenericDatumWriter<GenericRecord>(oldSchema).write(written, encoder);
        encoder.flush();

        // When version 2 adds a field with a default, and a reader with version 2 reads the old bytes
        final int newId = http.register("a-value", RECORD_A_V2);
        final ByteBuffer bytes = ByteBuffer.wrap(wire.toByteArray());
        assertThat(bytes.get()).isZero();
        final Schema writer = new Schema.Parser().parse(http.get("/schemas/ids/" + bytes.getInt()).body()
                .get("schema").asText());
        final GenericRecord read = new GenericDatumReader<GenericRecord>(writer, new Schema.Parser().parse(RECORD_A_V2))
                .read(null, DecoderFactory.get().binaryDecoder(bytes.array(), bytes.position(), bytes.remaining(), null));

        // Then the registration succeeded and the old record reads, with the new field's default
        assertThat(newId).isNotEqualTo(oldId);
        assertThat(read.get("x")).isEqualTo(7);
        assertThat(read.get("y")).hasToString("");
    }

    @Test
    void shouldRejectInvalidAvroSchema() {
        // When
        final RegistryHttp.Response notAvro = http.post("/subjects/a-value/versions",
                RegistryHttp.schemaBody("{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"integer\"}]}"));
        final RegistryHttp.Response badDefault = http.post("/subjects/a-value/versions",
                RegistryHttp.schemaBody("{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"int\",\"default\":\"one\"}]}"));
        final RegistryHttp.Response protobuf = http.post("/subjects/a-value/versions",
                "{\"schema\":\"syntax = \\\"proto3\\\";\",\"schemaType\":\"PROTOBUF\"}");
        final RegistryHttp.Response noSchema = http.post("/subjects/a-value/versions", "{}");
        final RegistryHttp.Response notJson = http.post("/subjects/a-value/versions", "schema=A");

        // Then
        assertThat(notAvro.status()).isEqualTo(422);
        assertThat(notAvro.body().get("error_code").intValue()).isEqualTo(42201);
        assertThat(badDefault.status()).isEqualTo(422);
        assertThat(badDefault.body().get("error_code").intValue()).isEqualTo(42201);
        assertThat(protobuf.body().get("error_code").intValue()).isEqualTo(42201);
        assertThat(noSchema.body().get("error_code").intValue()).isEqualTo(42201);
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(http.get("/subjects").body().toString()).isEqualTo("[]");
    }

    @Test
    void shouldRejectUnknownPathsAndMethods() {
        // When
        final RegistryHttp.Response unknownPath = http.get("/mode");
        final RegistryHttp.Response wrongMethod = http.post("/subjects", "{}");

        // Then
        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(unknownPath.body().get("error_code").intValue()).isEqualTo(404);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.body().get("error_code").intValue()).isEqualTo(405);
    }

    @Test
    void shouldStoreSchemasInCompactedSinglePartitionTopic() throws Exception {
        // Given
        http.register("a-value", RECORD_A);

        // When
        final TopicDescription description;
        final String cleanupPolicy;
        try (Admin admin = admin()) {
            description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            cleanupPolicy = admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        }

        // Then
        assertThat(description.partitions()).hasSize(1);
        assertThat(cleanupPolicy).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        assertThat(readValues(topic)).singleElement().satisfies(value -> {
            assertThat(value).contains("\"subject\":\"a-value\"");
            assertThat(value).contains("\"id\":1");
        });
    }

    @Test
    void shouldReturnStoreErrorOnFailedWrite() throws Exception {
        // Given a schema topic whose records may be at most 100 bytes, smaller than any registration
        http.register("a-value", RECORD_A);
        setTopicConfig(topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100");

        // When
        final RegistryHttp.Response rejected = http.post("/subjects/b-value/versions", RegistryHttp.schemaBody(RECORD_B));

        // Then
        assertThat(rejected.status()).isEqualTo(500);
        assertThat(rejected.contentType()).isEqualTo(CONTENT_TYPE);
        assertThat(rejected.body().get("error_code").intValue()).isEqualTo(50001);
        assertThat(http.get("/subjects/b-value/versions").status()).isEqualTo(404);
        setTopicConfig(topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048588");
        assertThat(http.register("b-value", RECORD_B)).isEqualTo(2);
    }

    @Test
    void shouldKeepSchemasAndIdsAcrossRestart() throws Exception {
        // Given a HealthEvent produced with an id from the first registry
        final String dataTopic = "rag.health.restart-" + UUID.randomUUID();
        createTopic(dataTopic);
        final RestSchemaRegistryClient firstClient = new RestSchemaRegistryClient(registry.url());
        final int healthEventId = firstClient.register(dataTopic + "-value", HealthEvent.getClassSchema());
        final HealthEvent event = HealthEvent.newBuilder()
                .setEventId("evt-1")
                .setObservedAt(Instant.parse("2024-06-01T10:15:30.123Z"))
                .setTarget("rag-prod/vectorstore/shard-5")
                .setSource("prober")
                .setAlertOrigin(null)
                .setPayload(ShardStatus.newBuilder().setReportedHealth(ShardHealth.DEGRADED).setDocumentCount(1_234L).build())
                .build();
        final byte[] framed = ConfluentAvroSerde.forValues(HealthEvent.class, firstClient).serialize(dataTopic, event);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(dataTopic, event.getTarget(), framed)).get();
        }
        registry.close();

        // When a new registry starts on the same broker and topic
        registry = EmbeddedSchemaRegistry.start(bootstrapServers, topic, 0);
        final RestSchemaRegistryClient freshClient = new RestSchemaRegistryClient(registry.url());
        final ConfluentAvroSerde<HealthEvent> freshSerde = ConfluentAvroSerde.forValues(HealthEvent.class, freshClient);
        final byte[] consumed = readBytes(dataTopic);

        // Then
        assertThat(healthEventId).isEqualTo(1);
        assertThat(freshSerde.deserialize(dataTopic, consumed)).isEqualTo(event);
        assertThat(new RegistryHttp(registry.url()).get("/subjects").body().toString())
                .isEqualTo("[\"" + dataTopic + "-value\"]");
        assertThat(freshClient.register("evidence-value", Evidence.getClassSchema())).isEqualTo(healthEventId + 1);
    }

    private static String quote(final String text) {
        return TextNode.valueOf(text).toString();
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    private static void createTopic(final String name) throws Exception {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        }
    }

    private static void setTopicConfig(final String name, final String key, final String value) throws Exception {
        try (Admin admin = admin()) {
            final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
            admin.incrementalAlterConfigs(Map.of(resource,
                    List.of(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    private static List<String> readValues(final String name) {
        final List<String> values = new ArrayList<>();
        for (final ConsumerRecord<String, byte[]> record : readAll(name, 1)) {
            values.add(new String(record.value(), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static byte[] readBytes(final String name) {
        final List<ConsumerRecord<String, byte[]>> records = readAll(name, 1);
        assertThat(records).hasSize(1);
        return records.get(0).value();
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(final String name, final int expected) {
        final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "registry-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(name));
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
