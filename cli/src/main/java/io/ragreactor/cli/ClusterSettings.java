package io.ragreactor.cli;

import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The connection settings of a command: bootstrap servers, the schema registry URL and the extra Kafka client
 * properties of {@code --command-config}. Those may contain secrets, so {@link #toString()} lists only their keys.
 */
record ClusterSettings(String bootstrapServers, String schemaRegistryUrl, Map<String, Object> clientProperties) {

    /** How long a client call may wait for an unreachable broker before the command fails, unless the file sets it. */
    private static final int CLIENT_TIMEOUT_MS = 30_000;

    ClusterSettings {
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Creates the topic catalogue with the default names, whose serdes use the registry. */
    Topics topics() {
        return Topics.create(TopicNames.defaults(), new RestSchemaRegistryClient(schemaRegistryUrl));
    }

    /**
     * Returns the configuration of a producer that waits for all in-sync replicas and never writes a record
     * twice. The extra properties may change timeouts and security, but not the servers or the idempotence.
     */
    Map<String, Object> producerConfig() {
        final Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, CLIENT_TIMEOUT_MS);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.putAll(clientProperties);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    /**
     * Returns the configuration of a consumer without a group: the commands assign partitions and seek, so
     * they neither commit offsets nor join a group. It reads committed records only, as the reactor writes
     * transactionally.
     */
    Map<String, Object> consumerConfig() {
        final Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, CLIENT_TIMEOUT_MS);
        config.putAll(clientProperties);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.remove(CommonClientConfigs.GROUP_ID_CONFIG);
        config.remove(CommonClientConfigs.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return config;
    }

    /** Returns the configuration of an admin client. */
    Map<String, Object> adminConfig() {
        final Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, CLIENT_TIMEOUT_MS);
        config.putAll(clientProperties);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return config;
    }

    @Override
    public String toString() {
        return "ClusterSettings[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl=" + schemaRegistryUrl
                + ", clientPropertyKeys=" + new TreeSet<>(clientProperties.keySet()) + "]";
    }
}
