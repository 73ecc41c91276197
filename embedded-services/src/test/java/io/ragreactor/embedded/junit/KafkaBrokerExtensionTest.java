package io.ragreactor.embedded.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.ragreactor.embedded.kafka.KafkaBroker;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.testcontainers.DockerClientFactory;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerExtensionTest {

    private static KafkaBroker brokerBeforeAll;

    @BeforeAll
    static void captureBroker(final KafkaBroker broker) {
        brokerBeforeAll = broker;
    }

    @Test
    void shouldInjectOneRunningBrokerPerRun(final KafkaBroker broker) throws Exception {
        // Given the broker injected into @BeforeAll and the one injected here

        // When
        final Node controller;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            controller = admin.describeCluster().controller().get(10, TimeUnit.SECONDS);
        }

        // Then
        assertThat(broker).isSameAs(brokerBeforeAll);
        assertThat(controller).isNotNull();
    }

    @Test
    void shouldChooseEmbeddedBrokerWithoutDocker(final KafkaBroker broker) {
        // Given
        assumeFalse("embedded".equalsIgnoreCase(System.getenv(KafkaBrokerExtension.BROKER_ENV)),
                "the environment forces the embedded broker, so Docker's absence decides nothing");
        assumeFalse(DockerClientFactory.instance().isDockerAvailable(), "a Docker engine responds");

        // When
        final String kind = ((KafkaBrokerExtension.SharedBroker) broker).kind();

        // Then
        assertThat(kind).isEqualTo("embedded");
        assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void shouldForceEmbeddedBrokerByEnvironment() {
        // Given
        final Map<String, String> environment = Map.of(KafkaBrokerExtension.BROKER_ENV, " Embedded ");

        // When
        try (KafkaBrokerExtension.SharedBroker broker = KafkaBrokerExtension.startBroker(environment)) {

            // Then
            assertThat(broker.kind()).isEqualTo("embedded");
            assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
        }
    }

    @Test
    void shouldRejectUnknownBrokerSetting() {
        // Given
        final Map<String, String> environment = Map.of(KafkaBrokerExtension.BROKER_ENV, "kraft");

        // When / Then
        assertThatThrownBy(() -> KafkaBrokerExtension.startBroker(environment))
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining(KafkaBrokerExtension.BROKER_ENV + "=kraft");
    }
}
