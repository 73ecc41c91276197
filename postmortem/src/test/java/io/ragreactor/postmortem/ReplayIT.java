package io.ragreactor.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.Topic;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.TopicSetup;
import io.ragreactor.schemas.topics.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The replay of shard-5's recorded incident from a real broker, compared with the expected postmortem. */
class ReplayIT {

    private static final String GOLDEN = "shard-5-postmortem.md";

    private static EmbeddedKafkaBroker broker;
    private static EmbeddedSchemaRegistry registry;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldWriteExpectedPostmortem(@TempDir final Path outDir) throws Exception {
        // Given shard-5's incident recorded on the product's topics
        final Topics topics = createTopics();
        final ShardFiveRecording recording = new ShardFiveRecording();
        record(topics, recording);

        // When the range is replayed
        final List<long[]> progress = new ArrayList<>();
        final Replay.Result result = new Replay(TopicRangeReader.forBootstrapServers(broker.bootstrapServers()), topics)
                .write(ShardFiveRecording.RANGE, outDir, (read, expected) -> progress.add(new long[] {read, expected}));

        // Then one incident gets a Markdown postmortem equal to the expected one, and an SVG
        assertThat(result.incidents()).isEqualTo(1);
        assertThat(result.badRecords()).isEmpty();
        final Path markdown = outDir.resolve(ShardFiveRecording.INCIDENT + ".md");
        final Path svg = outDir.resolve(ShardFiveRecording.INCIDENT + ".svg");
        assertThat(result.files()).containsExactly(markdown, svg);
        final int inRange = recording.health.size() - 2 + recording.commands.size() + recording.outcomes.size()
                + recording.updates.size();
        assertThat(result.recordsRead()).isEqualTo(inRange);
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1)).containsExactly(inRange, inRange);

        final String actual = Files.readString(markdown, StandardCharsets.UTF_8);
        final String expected = golden();
        if (!actual.equals(expected)) {
            // Left for a diff against the file in src/test/resources.
            Files.writeString(Paths.get("target", GOLDEN), actual, StandardCharsets.UTF_8);
        }
        assertThat(actual).isEqualTo(expected);

        // And the SVG is well-formed XML with one bar per command, in ladder order
        final Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        final List<String> bars = commandBars(document);
        assertThat(bars).containsExactlyElementsOf(ShardFiveRecording.LADDER.stream()
                .map(ShardFiveRecording::commandId).toList());
    }

    private static List<String> commandBars(final Document document) {
        final NodeList rects = document.getElementsByTagName("rect");
        final List<String> ids = new ArrayList<>();
        for (int i = 0; i < rects.getLength(); i++) {
            final Element rect = (Element) rects.item(i);
            if (rect.getAttribute("class").equals("command")) {
                ids.add(rect.getAttribute("data-command-id"));
            }
        }
        return ids;
    }

    private static Topics createTopics() {
        final String prefix = "replay-" + UUID.randomUUID() + ".";
        final TopicNames names = new TopicNames(prefix + "health", prefix + "commands", prefix + "outcomes",
                prefix + "incidents", prefix + "dlq", prefix + "control", prefix + "budget");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicSetup.ensureTopics(admin, names, 3, (short) -1);
        }
        return Topics.create(names, new RestSchemaRegistryClient(registry.url()));
    }

    private static void record(final Topics topics, final ShardFiveRecording recording) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.ByteArraySerializer",
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "org.apache.kafka.common.serialization.ByteArraySerializer"))) {
            for (final HealthEvent event : recording.health) {
                send(producer, topics.health(), event.getTarget(), event, event.getObservedAt().toEpochMilli());
            }
            for (final RecoveryCommand command : recording.commands) {
                send(producer, topics.commands(), command.getTarget(), command, command.getIssuedAt().toEpochMilli());
            }
            for (final RecoveryOutcome outcome : recording.outcomes) {
                send(producer, topics.outcomes(), outcome.getTarget(), outcome, outcome.getFinishedAt().toEpochMilli());
            }
            for (final IncidentUpdate update : recording.updates) {
                send(producer, topics.incidents(), update.getIncidentId(), update, update.getUpdatedAt().toEpochMilli());
            }
            producer.flush();
        }
    }

    private static <V> void send(final KafkaProducer<byte[], byte[]> producer, final Topic<String, V> topic,
                                 final String key, final V value, final long timestamp) {
        producer.send(new ProducerRecord<>(topic.name(), null, timestamp,
                topic.keySerde().serializer().serialize(topic.name(), key),
                topic.valueSerde().serializer().serialize(topic.name(), value)));
    }

    private static String golden() throws IOException {
        try (InputStream in = ReplayIT.class.getResourceAsStream(GOLDEN)) {
            assertThat(in).as("test resource " + GOLDEN).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
