package io.ragreactor.actuators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ActuatorConfigTest {

    private static Map<String, Object> minimal() {
        final Map<String, Object> values = new HashMap<>();
        values.put(ActuatorConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        values.put(ActuatorConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081");
        return values;
    }

    @Test
    void shouldApplyDefaults() {
        // When
        final ActuatorConfig config = ActuatorConfig.of(minimal(), Map.of("HOSTNAME", "actuators-0"));

        // Then
        assertThat(config.groupId()).isEqualTo("rag-reactor-actuators");
        assertThat(config.instanceId()).isEqualTo("actuators-0");
        assertThat(config.commandsTopic()).isEqualTo("rag.recovery.commands");
        assertThat(config.outcomesTopic()).isEqualTo("rag.recovery.outcomes");
        assertThat(config.allowedNamespaces()).isEmpty();
        assertThat(config.kubernetesMasterUrl()).isEmpty();
        assertThat(config.pollTimeout()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void shouldLetEnvironmentOverrideProperties() {
        // Given
        final Map<String, Object> values = minimal();
        values.put(ActuatorConfig.ALLOWED_NAMESPACES, "rag-staging");

        // When
        final ActuatorConfig config = ActuatorConfig.of(values, Map.of(
                "RAG_REACTOR_ALLOWED_NAMESPACES", "rag-prod,rag-scratch",
                "RAG_REACTOR_ACTUATOR_INSTANCE_ID", "actuator-a",
                "RAG_REACTOR_S3_PATH_STYLE_ACCESS", "true"));

        // Then
        assertThat(config.allowedNamespaces()).isEqualTo(Set.of("rag-prod", "rag-scratch"));
        assertThat(config.instanceId()).isEqualTo("actuator-a");
        assertThat(config.s3PathStyleAccess()).isTrue();
    }

    @Test
    void shouldPassAndMaskKafkaKeys() {
        // Given TLS settings in the properties and the SASL login from the environment
        final Map<String, Object> values = minimal();
        values.put("kafka.security.protocol", "SASL_SSL");
        values.put("kafka.ssl.truststore.password", "trust-me");
        final String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\""
                + " password=\"secret-1\";";

        // When
        final ActuatorConfig config = ActuatorConfig.of(values, Map.of("RAG_REACTOR_KAFKA_SASL_JAAS_CONFIG", jaas));

        // Then the clients get them without the prefix, and the printed configuration shows none of their values
        assertThat(config.kafkaClientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("ssl.truststore.password", "trust-me")
                .containsEntry("sasl.jaas.config", jaas);
        assertThat(config.toString()).doesNotContain("trust-me").doesNotContain("secret-1").doesNotContain("SASL_SSL")
                .contains("kafka.security.protocol=[hidden]");
    }

    @Test
    void shouldNameMissingKey() {
        // Given
        final Map<String, Object> values = minimal();
        values.remove(ActuatorConfig.BOOTSTRAP_SERVERS);

        // Then
        assertThatThrownBy(() -> ActuatorConfig.of(values)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bootstrap.servers");
    }

    @Test
    void shouldNameInvalidKey() {
        // Given
        final Map<String, Object> badNamespace = minimal();
        badNamespace.put(ActuatorConfig.ALLOWED_NAMESPACES, "rag-prod,Kube_System");
        final Map<String, Object> badUrl = minimal();
        badUrl.put(ActuatorConfig.KUBERNETES_MASTER_URL, "ftp://cluster");
        final Map<String, Object> badPoll = minimal();
        badPoll.put(ActuatorConfig.POLL_TIMEOUT_MS, "0");

        // Then
        assertThatThrownBy(() -> ActuatorConfig.of(badNamespace)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("allowed.namespaces").hasMessageContaining("Kube_System");
        assertThatThrownBy(() -> ActuatorConfig.of(badUrl)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kubernetes.master.url");
        assertThatThrownBy(() -> ActuatorConfig.of(badPoll)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("poll.timeout.ms");
    }

    @Test
    void shouldMaskSecretsInToString() {
        // Given
        final Map<String, Object> values = minimal();
        values.put(ActuatorConfig.S3_ACCESS_KEY, "AKIAEXAMPLEKEY");
        values.put(ActuatorConfig.S3_SECRET_KEY, "wJalrXUtnFEMI-example-secret");

        // When
        final ActuatorConfig config = ActuatorConfig.of(values);

        // Then
        assertThat(config.toString()).doesNotContain("AKIAEXAMPLEKEY").doesNotContain("wJalrXUtnFEMI-example-secret")
                .contains("s3.secret.key=[hidden]").contains("bootstrap.servers=127.0.0.1:9092");
        assertThat(config.s3SecretKey().value()).isEqualTo("wJalrXUtnFEMI-example-secret");
    }

    @Test
    void shouldReadEscalationChannelsAndHideTheirUrls() {
        // Given a webhook URL that carries a token
        final Map<String, Object> values = minimal();
        values.put(ActuatorConfig.ESCALATION_CHANNELS, "oncall-rag=https://hooks.example.org/T0/secret-token");

        // When
        final ActuatorConfig config = ActuatorConfig.of(values);

        // Then the channel is known by name and its URL never shows
        assertThat(config.escalationChannels()).containsOnlyKeys("oncall-rag");
        assertThat(config.toString()).doesNotContain("secret-token").contains("escalation.channels=[hidden]");
    }

    @Test
    void shouldRejectInvalidEscalationChannelWithoutShowingIt() {
        final Map<String, Object> values = minimal();
        values.put(ActuatorConfig.ESCALATION_CHANNELS, "oncall-rag=ftp://hooks.example.org/secret-token");

        assertThatThrownBy(() -> ActuatorConfig.of(values))
                .hasMessageContaining("escalation.channels")
                .hasMessageContaining("the URL of channel oncall-rag is not an http or https URL with a host")
                .hasMessageNotContaining("secret-token");
    }
}
