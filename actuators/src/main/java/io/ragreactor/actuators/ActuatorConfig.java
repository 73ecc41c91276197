package io.ragreactor.actuators;

import io.ragreactor.actuators.escalate.EscalationChannels;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.schemas.topics.TopicNames;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Configuration of an actuator instance, defined the way Kafka defines its own: every key has a type, a
 * default, a validator and a doc. Values come from a properties map, and environment variables named
 * {@code RAG_REACTOR_} plus the key in upper case with dots as underscores override them. Invalid values
 * fail at construction with a {@link ConfigException} that names the key; secrets print as {@code [hidden]}.
 * Keys starting with {@code kafka.} pass through to the Kafka clients without the prefix, for example
 * {@code kafka.security.protocol}.
 */
public final class ActuatorConfig extends AbstractConfig {

    /** Prefix of the environment variables that override keys. */
    public static final String ENV_PREFIX = "RAG_REACTOR_";
    /** Prefix of keys passed to the Kafka clients as they are, without the prefix. */
    public static final String KAFKA_PREFIX = "kafka.";
    public static final String SASL_JAAS_CONFIG = "kafka.sasl.jaas.config";

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String GROUP_ID = "group.id";
    public static final String INSTANCE_ID = "actuator.instance.id";
    public static final String ALLOWED_NAMESPACES = "allowed.namespaces";
    public static final String COMMANDS_TOPIC = "commands.topic";
    public static final String OUTCOMES_TOPIC = "outcomes.topic";
    public static final String S3_ENDPOINT_OVERRIDE = "s3.endpoint.override";
    public static final String S3_REGION = "s3.region";
    public static final String S3_PATH_STYLE_ACCESS = "s3.path.style.access";
    public static final String S3_ACCESS_KEY = "s3.access.key";
    public static final String S3_SECRET_KEY = "s3.secret.key";
    public static final String KUBERNETES_MASTER_URL = "kubernetes.master.url";
    public static final String POLL_TIMEOUT_MS = "poll.timeout.ms";
    public static final String STATE_POLL_INTERVAL_MS = "state.poll.interval.ms";
    public static final String WORKER_THREADS = "worker.threads";
    public static final String ESCALATION_CHANNELS = "escalation.channels";

    /** Default consumer group of the actuators. */
    public static final String DEFAULT_GROUP_ID = "rag-reactor-actuators";

    private static final Pattern INSTANCE_ID_PATTERN = Pattern.compile("[A-Za-z0-9._-]{0,100}");
    private static final Pattern TOPIC_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                    Importance.HIGH, "Kafka bootstrap servers as host:port pairs separated by commas.")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, urlValidator(false),
                    Importance.HIGH, "Base URL of the Confluent-compatible schema registry.")
            .define(GROUP_ID, Type.STRING, DEFAULT_GROUP_ID, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Consumer group shared by all actuator instances; partitions of the command topic are spread"
                            + " over its members.")
            .define(INSTANCE_ID, Type.STRING, "", ConfigDef.LambdaValidator.with((key, value) -> {
                if (!INSTANCE_ID_PATTERN.matcher(String.valueOf(value)).matches()) {
                    throw new ConfigException(key, value, "must be at most 100 characters of A-Z, a-z, 0-9, '.', '_'"
                            + " and '-'");
                }
            }, () -> "[A-Za-z0-9._-]{0,100}"), Importance.MEDIUM,
                    "Id of this instance, written to every outcome and part of the transactional id, so it must be"
                            + " stable across restarts and unique in the group. Empty means the HOSTNAME environment"
                            + " variable (the pod name on Kubernetes), else the host name.")
            .define(ALLOWED_NAMESPACES, Type.LIST, "", ConfigDef.LambdaValidator.with((key, value) -> {
                for (final Object namespace : (List<?>) value) {
                    if (!Guards.isDnsLabel(String.valueOf(namespace))) {
                        throw new ConfigException(key, value, "namespace [" + namespace + "] is not a DNS-1123 label");
                    }
                }
            }, () -> "comma-separated DNS-1123 labels"), Importance.HIGH,
                    "Namespaces the actuator may change, separated by commas. Commands naming any other namespace"
                            + " are rejected by the guard; empty rejects every namespaced command.")
            .define(COMMANDS_TOPIC, Type.STRING, TopicNames.defaults().commands(), topicValidator(), Importance.LOW,
                    "Topic the actuator consumes recovery commands from.")
            .define(OUTCOMES_TOPIC, Type.STRING, TopicNames.defaults().outcomes(), topicValidator(), Importance.LOW,
                    "Topic the actuator publishes recovery outcomes to.")
            .define(S3_ENDPOINT_OVERRIDE, Type.STRING, "", urlValidator(true), Importance.MEDIUM,
                    "S3 endpoint URL for S3-compatible stores such as MinIO; empty uses AWS's endpoint for the region.")
            .define(S3_REGION, Type.STRING, "us-east-1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "S3 region used for signing requests.")
            .define(S3_PATH_STYLE_ACCESS, Type.BOOLEAN, false, Importance.LOW,
                    "Whether to address buckets in the path (http://host/bucket/key) instead of the host name;"
                            + " most S3-compatible stores need true.")
            .define(S3_ACCESS_KEY, Type.PASSWORD, "", Importance.MEDIUM,
                    "S3 access key id; empty uses the AWS default credentials chain (environment, profile, IAM role).")
            .define(SASL_JAAS_CONFIG, Type.PASSWORD, null, Importance.MEDIUM,
                    "SASL JAAS configuration for the brokers, when they require SASL; masked in logs. Other Kafka"
                            + " client settings, such as kafka.security.protocol, pass through with the kafka. prefix.")
            .define(S3_SECRET_KEY, Type.PASSWORD, "", Importance.MEDIUM,
                    "S3 secret access key, used together with the access key id.")
            .define(KUBERNETES_MASTER_URL, Type.STRING, "", urlValidator(true), Importance.MEDIUM,
                    "Kubernetes API server URL; empty uses the kubeconfig or, inside a pod, the in-cluster config.")
            .define(POLL_TIMEOUT_MS, Type.LONG, 200L, ConfigDef.Range.between(10, 60_000), Importance.LOW,
                    "Milliseconds one consumer poll waits for commands; also how soon a finished command's outcome"
                            + " is published.")
            .define(STATE_POLL_INTERVAL_MS, Type.LONG, 1000L, ConfigDef.Range.between(10, 60_000), Importance.LOW,
                    "Milliseconds between two reads of a resource the actuator waits for, such as a Job's conditions.")
            .define(WORKER_THREADS, Type.INT, 4, ConfigDef.Range.between(1, 64), Importance.LOW,
                    "Commands executed at the same time, each from a different partition.")
            .define(ESCALATION_CHANNELS, Type.PASSWORD, "", ConfigDef.LambdaValidator.with((key, value) -> {
                final String problem = EscalationChannels.problem(((Password) value).value());
                if (problem != null) {
                    throw new ConfigException(key, "[hidden]", problem);
                }
            }, () -> "name=url pairs separated by commas"), Importance.HIGH,
                    "Escalation channels as name=url pairs separated by commas, for example"
                            + " oncall-rag=https://hooks.example.org/T0/B1. An escalation command names its channel;"
                            + " the actuator posts the escalation to that URL as JSON. The value is masked in logs,"
                            + " because webhook URLs often carry a token. A channel that is not configured gets its"
                            + " escalations logged at WARN only.");

    private final String instanceId;

    private ActuatorConfig(final Map<String, Object> values, final Map<String, String> environment) {
        super(CONFIG, values, false);
        final String configured = getString(INSTANCE_ID);
        this.instanceId = configured.isEmpty() ? defaultInstanceId(environment) : configured;
    }

    /** Builds the configuration from {@code properties}, overridden by {@code RAG_REACTOR_*} entries of {@code environment}. */
    public static ActuatorConfig of(final Map<String, ?> properties, final Map<String, String> environment) {
        final Map<String, Object> merged = new HashMap<>(properties);
        for (final String key : CONFIG.names()) {
            final String value = environment.get(environmentName(key));
            if (value != null) {
                merged.put(key, value);
            }
        }
        return new ActuatorConfig(merged, environment);
    }

    /** Builds the configuration from {@code properties} alone, without environment overrides. */
    public static ActuatorConfig of(final Map<String, ?> properties) {
        return of(properties, Map.of());
    }

    /** Returns the environment variable that overrides {@code key}, for example {@code RAG_REACTOR_BOOTSTRAP_SERVERS}. */
    public static String environmentName(final String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Returns the definition of every key, for documentation. */
    public static ConfigDef definition() {
        return CONFIG;
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS);
    }

    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL);
    }

    public String groupId() {
        return getString(GROUP_ID);
    }

    /** Returns the configured instance id, or the host name when none is configured. */
    public String instanceId() {
        return instanceId;
    }

    public Set<String> allowedNamespaces() {
        return Set.copyOf(getList(ALLOWED_NAMESPACES));
    }

    public String commandsTopic() {
        return getString(COMMANDS_TOPIC);
    }

    public String outcomesTopic() {
        return getString(OUTCOMES_TOPIC);
    }

    /** Returns the topic names with this configuration's command and outcome topics. */
    public TopicNames topicNames() {
        final TopicNames defaults = TopicNames.defaults();
        return new TopicNames(defaults.health(), commandsTopic(), outcomesTopic(), defaults.incidents(),
                defaults.healthDeadLetter(), defaults.control(), defaults.budget());
    }

    public String s3EndpointOverride() {
        return getString(S3_ENDPOINT_OVERRIDE);
    }

    public String s3Region() {
        return getString(S3_REGION);
    }

    public boolean s3PathStyleAccess() {
        return getBoolean(S3_PATH_STYLE_ACCESS);
    }

    /** Returns the escalation channels by name; their URLs may carry secrets and must not be logged. */
    public Map<String, URI> escalationChannels() {
        return EscalationChannels.parse(getPassword(ESCALATION_CHANNELS).value());
    }

    public Password s3AccessKey() {
        return getPassword(S3_ACCESS_KEY);
    }

    public Password s3SecretKey() {
        return getPassword(S3_SECRET_KEY);
    }

    public String kubernetesMasterUrl() {
        return getString(KUBERNETES_MASTER_URL);
    }

    public Duration pollTimeout() {
        return Duration.ofMillis(getLong(POLL_TIMEOUT_MS));
    }

    public Duration statePollInterval() {
        return Duration.ofMillis(getLong(STATE_POLL_INTERVAL_MS));
    }

    public int workerThreads() {
        return getInt(WORKER_THREADS);
    }

    /**
     * Returns the Kafka client settings of every {@code kafka.} key, without the prefix: security protocol,
     * SASL and TLS settings, and any other client setting. The actuator's own settings, such as its
     * transactional id and isolation level, are set after these, so a pass-through key cannot change them.
     */
    public Map<String, Object> kafkaClientProperties() {
        final Map<String, Object> properties = new TreeMap<>();
        for (final Map.Entry<String, Object> entry : originalsWithPrefix(KAFKA_PREFIX).entrySet()) {
            properties.put(entry.getKey(), entry.getValue() instanceof Password password ? password.value()
                    : entry.getValue());
        }
        return properties;
    }

    /** Lists every key with its value, sorted by key; passwords and pass-through Kafka keys print as {@code [hidden]}. */
    @Override
    public String toString() {
        final Map<String, Object> sorted = new TreeMap<>(values());
        sorted.put(INSTANCE_ID, instanceId);
        // Pass-through keys may hold secrets too, such as a trust store password, so none is shown.
        originalsWithPrefix(KAFKA_PREFIX).keySet().forEach(key -> sorted.put(KAFKA_PREFIX + key, "[hidden]"));
        return "ActuatorConfig" + sorted;
    }

    private static String defaultInstanceId(final Map<String, String> environment) {
        final String hostname = environment.get("HOSTNAME");
        if (hostname != null && INSTANCE_ID_PATTERN.matcher(hostname).matches() && !hostname.isEmpty()) {
            return hostname;
        }
        try {
            final String local = InetAddress.getLocalHost().getHostName();
            if (INSTANCE_ID_PATTERN.matcher(local).matches() && !local.isEmpty()) {
                return local;
            }
        } catch (final UnknownHostException e) {
            // Fall through to a random id: the instance still runs, but its transactional id changes on restart.
        }
        return "actuator-" + UUID.randomUUID();
    }

    private static ConfigDef.Validator urlValidator(final boolean emptyAllowed) {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            final String text = value == null ? "" : String.valueOf(value);
            if (text.isEmpty() && emptyAllowed) {
                return;
            }
            try {
                final URI uri = new URI(text);
                final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null) {
                    throw new ConfigException(key, value, "must be an http or https URL with a host");
                }
            } catch (final URISyntaxException e) {
                throw new ConfigException(key, value, "is not a valid URL: " + e.getMessage());
            }
        }, () -> emptyAllowed ? "empty or an http(s) URL" : "an http(s) URL");
    }

    private static ConfigDef.Validator topicValidator() {
        return ConfigDef.LambdaValidator.with((key, value) -> {
            if (value == null || !TOPIC_PATTERN.matcher(String.valueOf(value)).matches()) {
                throw new ConfigException(key, value, "must be a Kafka topic name of A-Z, a-z, 0-9, '.', '_' and '-'");
            }
        }, () -> "a Kafka topic name");
    }
}
