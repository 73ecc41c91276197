package io.ragreactor.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to the cluster shares: where the broker and the schema registry are,
 * and a file of further Kafka client properties such as SASL or TLS settings.
 */
final class ConnectionOptions {

    static final String BOOTSTRAP_SERVERS_ENV = "RAG_REACTOR_BOOTSTRAP_SERVERS";
    static final String SCHEMA_REGISTRY_URL_ENV = "RAG_REACTOR_SCHEMA_REGISTRY_URL";

    private static final String BOOTSTRAP_SERVERS_OPTION = "--bootstrap-servers";
    private static final String SCHEMA_REGISTRY_URL_OPTION = "--schema-registry-url";

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = BOOTSTRAP_SERVERS_OPTION, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Kafka bootstrap servers (default: the environment variable " + BOOTSTRAP_SERVERS_ENV + ").")
    private String bootstrapServers;

    // NOTE: --command-config reaches the Kafka clients only. RestSchemaRegistryClient takes a URL and no
    // credentials, so a registry that requires authentication cannot be used from the command line yet.
    @Option(names = SCHEMA_REGISTRY_URL_OPTION, paramLabel = "URL",
            description = "Base URL of the Confluent-compatible schema registry, http or https (default: the"
                    + " environment variable " + SCHEMA_REGISTRY_URL_ENV + ").")
    private String schemaRegistryUrl;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Properties file of further Kafka client settings, for example security.protocol,"
                    + " sasl.mechanism, sasl.jaas.config or ssl.truststore.location; passed to every Kafka client"
                    + " of the command. Values are never printed.")
    private Path commandConfig;

    /**
     * Returns the checked settings.
     *
     * @throws CommandLine.ParameterException when a setting is missing or invalid, a usage error
     */
    ClusterSettings settings() {
        final String servers = required(bootstrapServers, BOOTSTRAP_SERVERS_OPTION, BOOTSTRAP_SERVERS_ENV);
        final String registryUrl = required(schemaRegistryUrl, SCHEMA_REGISTRY_URL_OPTION, SCHEMA_REGISTRY_URL_ENV);
        checkRegistryUrl(registryUrl);
        return new ClusterSettings(servers, registryUrl, clientProperties());
    }

    private String required(final String value, final String option, final String environmentVariable) {
        if (value == null || value.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing " + option + ": pass the option or"
                    + " set the environment variable " + environmentVariable);
        }
        return value.trim();
    }

    private void checkRegistryUrl(final String url) {
        final URI uri;
        try {
            uri = new URI(url);
        } catch (final URISyntaxException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid " + SCHEMA_REGISTRY_URL_OPTION
                    + " '" + url + "': " + e.getReason());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid " + SCHEMA_REGISTRY_URL_OPTION
                    + " '" + url + "': expected an http or https URL such as http://schema-registry:8081");
        }
    }

    /** Loads the --command-config file. An error names the file and the problem, never a value of the file. */
    private Map<String, Object> clientProperties() {
        final Map<String, Object> properties = new LinkedHashMap<>();
        if (commandConfig == null) {
            return properties;
        }
        if (!Files.isRegularFile(commandConfig)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid --command-config: file "
                    + commandConfig + " not found or not a regular file");
        }
        final Properties loaded = new Properties();
        try (InputStream in = Files.newInputStream(commandConfig)) {
            loaded.load(in);
        } catch (final IOException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read --command-config "
                    + commandConfig + ": " + e.getClass().getSimpleName());
        }
        loaded.stringPropertyNames().forEach(key -> properties.put(key, loaded.getProperty(key)));
        return properties;
    }

    /**
     * Default values of the connection options from the environment. Picocli calls it for every option without
     * a value on the command line, of the root command and of each subcommand.
     */
    static final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {

        private final Map<String, String> environment;

        EnvironmentDefaults(final Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
        }

        @Override
        public String defaultValue(final ArgSpec argument) {
            if (!(argument instanceof OptionSpec option)) {
                return null;
            }
            return switch (option.longestName()) {
                case BOOTSTRAP_SERVERS_OPTION -> environment.get(BOOTSTRAP_SERVERS_ENV);
                case SCHEMA_REGISTRY_URL_OPTION -> environment.get(SCHEMA_REGISTRY_URL_ENV);
                default -> null;
            };
        }
    }
}
