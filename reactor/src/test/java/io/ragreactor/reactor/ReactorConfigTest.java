package io.ragreactor.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ReactorConfigTest {

    private static final Map<String, Object> MINIMAL = Map.of(
            ReactorConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092",
            ReactorConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081");

    @Test
    void shouldRunExactlyOnceWithDefaults() {
        final Properties props = ReactorConfig.from(MINIMAL, Map.of()).streamsProperties();

        assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(props.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("rag-reactor");
    }

    @Test
    void shouldNameTheInvalidKey() {
        final Map<String, Object> values = new java.util.HashMap<>(MINIMAL);
        values.put(ReactorConfig.CLOCK, "sundial");

        assertThatThrownBy(() -> ReactorConfig.from(values, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("clock")
                .hasMessageContaining("sundial");
        assertThatThrownBy(() -> ReactorConfig.from(Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bootstrap.servers");
    }

    @Test
    void shouldLetEnvironmentOverrideTheFile() {
        final ReactorConfig config = ReactorConfig.from(MINIMAL, Map.of("RAG_REACTOR_DRY_RUN", "true",
                "RAG_REACTOR_CLOCK", "stream"));

        assertThat(config.getBoolean(ReactorConfig.DRY_RUN)).isTrue();
        assertThat(config.clock()).isEqualTo(ReactorClock.STREAM);
    }

    @Test
    void shouldMaskSecretsAndPassThroughKafkaKeys() {
        final Map<String, Object> values = new java.util.HashMap<>(MINIMAL);
        values.put(ReactorConfig.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cret\";");
        values.put("kafka.security.protocol", "SASL_SSL");
        final ReactorConfig config = ReactorConfig.from(values, Map.of());

        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(config.streamsProperties().get("sasl.jaas.config").toString()).contains("s3cret");
        assertThat(config.streamsProperties().get("security.protocol")).isEqualTo("SASL_SSL");
    }
}
