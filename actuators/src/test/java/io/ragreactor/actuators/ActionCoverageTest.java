package io.ragreactor.actuators;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.schemas.command.RecoveryCommand;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Every action type the command schema allows has exactly one handler in the actuators. */
class ActionCoverageTest {

    @Test
    void shouldHandleEveryActionOfCommandSchema() {
        // Given the action union of the command schema
        final List<String> actions = RecoveryCommand.getClassSchema().getField("action").schema().getTypes().stream()
                .map(Schema::getFullName).toList();

        // When the actuators build their handlers (no call is made, so the clients point nowhere)
        final ActuatorConfig config = ActuatorConfig.of(Map.of(ActuatorConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9",
                ActuatorConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:9"));
        try (KubernetesClient kubernetes = new KubernetesClientBuilder().build();
             S3Client s3 = S3Client.builder().region(Region.US_EAST_1).httpClient(
                     software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create()).build()) {
            final List<String> handled = ActuatorService.handlers(config, kubernetes, s3, Map.of()).stream()
                    .map(ActionHandler::actionType).map(Class::getName).toList();

            // Then each action has one handler, and no handler is for anything else
            assertThat(handled).doesNotHaveDuplicates();
            assertThat(handled).containsExactlyInAnyOrderElementsOf(actions);
            assertThat(actions).hasSize(17);
        }
    }
}
