package io.ragreactor.reactor;

import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.TopicSetup;
import io.ragreactor.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the reactor: creates missing topics, builds the topology from the runbook and starts Kafka
 * Streams with exactly_once_v2. A stream thread that dies on an unexpected error (for example the schema
 * registry being unreachable) is replaced, and the new thread reprocesses from the last committed offsets.
 */
public final class ReactorService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReactorService.class);

    private final KafkaStreams streams;

    private ReactorService(final KafkaStreams streams) {
        this.streams = streams;
    }

    /** Starts the reactor with {@code config}; {@code runbookOverrides} replace runbook values before validation. */
    public static ReactorService start(final ReactorConfig config, final Map<String, String> runbookOverrides) {
        final String runbookFile = config.getString(ReactorConfig.RUNBOOK_FILE);
        final Runbook runbook = runbookFile.isEmpty() ? RunbookLoader.loadDefault(runbookOverrides)
                : RunbookLoader.load(Path.of(runbookFile), runbookOverrides);
        LOG.info("Starting reactor with runbook version=[{}] from {}", runbook.version(), runbook.source());

        final Properties streamsProperties = config.streamsProperties();
        createTopics(streamsProperties, config);
        final Topics topics = Topics.create(TopicNames.defaults(),
                new RestSchemaRegistryClient(config.getString(ReactorConfig.SCHEMA_REGISTRY_URL)));
        final ReactorTopology.Settings settings = new ReactorTopology.Settings(config.clock(),
                Duration.ofMillis(config.getLong(ReactorConfig.PUNCTUATION_INTERVAL_MS)),
                config.getBoolean(ReactorConfig.DRY_RUN), config.getInt(ReactorConfig.MAX_VALUE_BYTES));

        final KafkaStreams streams = new KafkaStreams(new ReactorTopology(topics, runbook, settings).build(),
                streamsProperties);
        streams.setUncaughtExceptionHandler(exception -> {
            LOG.error("Stream thread failed; replacing it, it resumes from the last commit", exception);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        return new ReactorService(streams);
    }

    private static void createTopics(final Properties streamsProperties, final ReactorConfig config) {
        final Properties adminProperties = new Properties();
        streamsProperties.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains((String) key)) {
                adminProperties.put(key, value);
            }
        });
        try (Admin admin = Admin.create(adminProperties)) {
            TopicSetup.ensureTopics(admin, TopicNames.defaults(), config.getInt(ReactorConfig.TOPIC_PARTITIONS),
                    config.getShort(ReactorConfig.TOPIC_REPLICATION_FACTOR));
        }
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    @Override
    public void close() {
        LOG.info("Stopping reactor");
        streams.close(Duration.ofSeconds(30));
    }
}
