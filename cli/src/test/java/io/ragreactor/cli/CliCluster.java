package io.ragreactor.cli;

import io.ragreactor.embedded.kafka.EmbeddedKafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.TopicSetup;
import io.ragreactor.schemas.topics.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.Serializer;
import picocli.CommandLine;

/**
 * An embedded broker and schema registry with the product's topics, for one test class, and the means to run
 * the command line in-process against them and read what the commands wrote.
 */
final class CliCluster implements AutoCloseable {

    /** What one run of the command line returned and printed. */
    record Run(int exitCode, String out, String err) {
    }

    private final EmbeddedKafkaBroker broker;
    private final EmbeddedSchemaRegistry registry;
    private final Topics topics;

    private CliCluster(final EmbeddedKafkaBroker broker, final EmbeddedSchemaRegistry registry) {
        this.broker = broker;
        this.registry = registry;
        this.topics = Topics.create(TopicNames.defaults(), new RestSchemaRegistryClient(registry.url()));
    }

    /** Starts a broker and a registry and creates the topics with 3 partitions, as the reactor would. */
    static CliCluster start() {
        final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        final EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(broker.bootstrapServers());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicSetup.ensureTopics(admin, TopicNames.defaults(), 3, (short) 1);
        }
        return new CliCluster(broker, registry);
    }

    Topics topics() {
        return topics;
    }

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Returns the environment that points the command line at this cluster. */
    Map<String, String> environment() {
        return Map.of(ConnectionOptions.BOOTSTRAP_SERVERS_ENV, broker.bootstrapServers(),
                ConnectionOptions.SCHEMA_REGISTRY_URL_ENV, registry.url());
    }

    /** Runs {@code rag-reactor args...} with the connection settings from the environment. */
    Run run(final String... args) {
        return run(environment(), args);
    }

    /** Runs {@code rag-reactor args...} with {@code environment} and returns its exit code and output. */
    static Run run(final Map<String, String> environment, final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = RagReactorCli.commandLine(environment);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    /** Writes {@code value} under {@code key} to {@code topic} with the record timestamp {@code timestampMillis}. */
    <V> void send(final String topic, final Serializer<V> serializer, final String key, final V value,
                  final long timestampMillis) {
        final Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(config, new StringSerializer(), serializer)) {
            producer.send(new ProducerRecord<>(topic, null, timestampMillis, key, value)).get();
        } catch (final InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot write the test record to " + topic, e);
        }
    }

    /** Reads every record of {@code topic} from the beginning to its current end. */
    List<ConsumerRecord<byte[], byte[]>> readAll(final String topic) {
        final Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!TopicReader.caughtUp(consumer, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + topic + " did not reach " + ends + " in 30 s");
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
        }
        return records;
    }

    @Override
    public void close() {
        registry.close();
        broker.close();
    }
}
