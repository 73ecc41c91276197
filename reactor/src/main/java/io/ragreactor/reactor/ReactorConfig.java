package io.ragreactor.reactor;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the reactor deployable. Every key has a doc, a default and a validator; an
 * environment variable {@code RAG_REACTOR_<KEY>} (upper case, dots as underscores) overrides the file.
 * Keys starting with {@code kafka.} pass through to the Kafka Streams client without the prefix.
 */
public final class ReactorConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String APPLICATION_ID = "application.id";
    public static final String RUNBOOK_FILE = "runbook.file";
    public static final String CLOCK = "clock";
    public static final String PUNCTUATION_INTERVAL_MS = "punctuation.interval.ms";
    public static final String DRY_RUN = "dry.run";
    public static final String TOPIC_PARTITIONS = "topic.partitions";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String STATE_DIR = "state.dir";
    public static final String MAX_VALUE_BYTES = "max.value.bytes";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String SASL_JAAS_CONFIG = "kafka.sasl.jaas.config";

    /** Prefix of keys passed to Kafka Streams as they are, without the prefix. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Prefix of environment variables that override keys. */
    public static final String ENV_PREFIX = "RAG_REACTOR_";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, ReactorConfig::requireHosts,
                    Importance.HIGH, "Kafka brokers to connect to, host:port, comma-separated.")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Base URL of a Confluent-compatible schema registry.")
            .define(APPLICATION_ID, Type.STRING, "rag-reactor", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "Kafka Streams application id: consumer group, state and internal topic prefix.")
            .define(RUNBOOK_FILE, Type.STRING, "", Importance.HIGH,
                    "Path of the runbook file; empty for the shipped default of the demo stack.")
            .define(CLOCK, Type.STRING, "wall", ValidString.in("wall", "stream"), Importance.MEDIUM,
                    "Clock that drives timers: wall (live) or stream (replay: recorded timestamps of all inputs).")
            .define(PUNCTUATION_INTERVAL_MS, Type.LONG, 1000L, Range.between(10, 60_000), Importance.LOW,
                    "Milliseconds between checks of step deadlines.")
            .define(DRY_RUN, Type.BOOLEAN, false, Importance.HIGH,
                    "When true every command is marked dry-run: actuators report the calls they would make.")
            .define(TOPIC_PARTITIONS, Type.INT, 6, Range.atLeast(1), Importance.MEDIUM,
                    "Partitions of topics created at start when missing.")
            .define(TOPIC_REPLICATION_FACTOR, Type.SHORT, (short) -1, Range.between(-1, 32), Importance.MEDIUM,
                    "Replication factor of topics created at start; -1 takes the broker's default.")
            .define(STATE_DIR, Type.STRING, System.getProperty("java.io.tmpdir") + "/rag-reactor-state",
                    new ConfigDef.NonEmptyString(), Importance.MEDIUM, "Directory of the local state stores.")
            .define(MAX_VALUE_BYTES, Type.INT, 1 << 20, Range.atLeast(1024), Importance.LOW,
                    "Input records with larger values are dead-lettered as oversized.")
            .define(COMMIT_INTERVAL_MS, Type.LONG, 100L, Range.atLeast(1), Importance.LOW,
                    "Kafka Streams commit interval; under exactly-once it bounds the output latency.")
            .define(SASL_JAAS_CONFIG, Type.PASSWORD, null, Importance.MEDIUM,
                    "SASL JAAS configuration for the brokers, when they require SASL; masked in logs.");

    private static void requireHosts(final String name, final Object value) {
        if (value == null || ((java.util.List<?>) value).isEmpty()) {
            throw new ConfigException(name, value, "needs at least one host:port");
        }
    }

    private ReactorConfig(final Map<String, ?> values) {
        super(DEFINITION, values, false);
    }

    /** Reads {@code values}, lets environment variables override them, and validates the result. */
    public static ReactorConfig from(final Map<String, ?> values, final Map<String, String> environment) {
        final Map<String, Object> merged = new HashMap<>(values);
        for (final String key : DEFINITION.names()) {
            final String variable = ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
            if (environment.containsKey(variable)) {
                merged.put(key, environment.get(variable));
            }
        }
        try {
            return new ReactorConfig(merged);
        } catch (final ConfigException e) {
            throw new ConfigException("invalid reactor configuration: " + e.getMessage());
        }
    }

    public ReactorClock clock() {
        return ReactorClock.parse(getString(CLOCK));
    }

    /** Kafka Streams properties: exactly_once_v2, the application id, and every {@code kafka.} key. */
    public Properties streamsProperties() {
        final Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS)));
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, getString(STATE_DIR));
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, getLong(COMMIT_INTERVAL_MS));
        final short replication = getShort(TOPIC_REPLICATION_FACTOR);
        if (replication > 0) {
            props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication);
        }
        for (final Map.Entry<String, Object> entry : originalsWithPrefix(KAFKA_PREFIX).entrySet()) {
            props.put(entry.getKey(), entry.getValue() instanceof Password password ? password.value() : entry.getValue());
        }
        return props;
    }

    @Override
    public String toString() {
        // AbstractConfig masks PASSWORD values; pass-through keys may hold secrets too, so they are masked here.
        final Map<String, Object> shown = new java.util.TreeMap<>();
        values().forEach((key, value) -> shown.put(key, value instanceof Password ? "[hidden]" : value));
        originalsWithPrefix(KAFKA_PREFIX).keySet().forEach(key -> shown.put(KAFKA_PREFIX + key, "[hidden]"));
        return "ReactorConfig" + shown;
    }
}
