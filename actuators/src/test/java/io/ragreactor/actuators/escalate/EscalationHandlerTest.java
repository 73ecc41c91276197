package io.ragreactor.actuators.escalate;

import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EscalationHandlerTest {

    private static final String TOKEN = "T0KEN-in-the-webhook-path";

    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
    private HttpServer receiver;
    private int status = 200;

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks/" + TOKEN, exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            idempotencyKeys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    private URI webhook() {
        return URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks/" + TOKEN);
    }

    private static CommandExecutor executor(final Map<String, URI> channels) {
        return TestCommands.executor(List.of(new EscalationHandler(HttpClient.newHttpClient(), channels)));
    }

    private static Escalate escalation() {
        return Escalate.newBuilder(TestCommands.escalate())
                .setEvidence(List.of(new Evidence("outcome", "inc-shard-3-1-restore-1", "FAILED: no complete snapshot",
                        false)))
                .build();
    }

    @Test
    void shouldPostEscalationToConfiguredChannel() throws IOException {
        // Given the command's channel mapped to a webhook
        final CommandExecutor executor = executor(Map.of("oncall-search", webhook()));

        // When the escalation runs
        final RecoveryOutcome outcome = executor.execute(command("c-escalate-1", "escalate", escalation()));

        // Then the webhook gets the summary, the evidence and the command id as de-duplication key
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("escalation-delivered");
        assertThat(bodies).hasSize(1);
        final JsonNode body = new ObjectMapper().readTree(bodies.get(0));
        assertThat(body.path("summary").asText()).isEqualTo("shard-3 restore failed twice");
        assertThat(body.path("severity").asText()).isEqualTo("page");
        assertThat(body.path("incidentId").asText()).isEqualTo("inc-shard-3-1");
        assertThat(body.path("dedupKey").asText()).isEqualTo("c-escalate-1");
        assertThat(body.path("evidence").get(0).path("text").asText()).isEqualTo("FAILED: no complete snapshot");
        assertThat(idempotencyKeys).containsExactly("c-escalate-1");
    }

    @Test
    void shouldKeepWebhookUrlOutOfOutcome() {
        final RecoveryOutcome outcome = executor(Map.of("oncall-search", webhook()))
                .execute(command("c-escalate-2", "escalate", escalation()));

        assertThat(outcome.getCalls()).containsExactly("POST escalation to channel oncall-search");
        assertThat(outcome.toString()).doesNotContain(TOKEN);
    }

    @Test
    void shouldFailWhenChannelAnswersWithError() {
        // Given a channel that answers 503
        status = 503;

        // When the escalation runs
        final RecoveryOutcome outcome = executor(Map.of("oncall-search", webhook()))
                .execute(command("c-escalate-3", "escalate", escalation()));

        // Then it fails, so the reactor retries it
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("channel-failed");
        assertThat(outcome.getDetail()).isEqualTo("channel oncall-search answered HTTP 503");
    }

    @Test
    void shouldFailWhenChannelCannotBeReached() {
        // Given a channel whose receiver is gone
        final URI gone = webhook();
        receiver.stop(0);

        final RecoveryOutcome outcome = executor(Map.of("oncall-search", gone))
                .execute(command("c-escalate-4", "escalate", escalation()));

        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("channel-failed");
        assertThat(outcome.getDetail()).doesNotContain(TOKEN);
    }

    @Test
    void shouldLogEscalationForUnconfiguredChannel() {
        final RecoveryOutcome outcome = executor(Map.of("other-team", webhook()))
                .execute(command("c-escalate-5", "escalate", escalation()));

        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("escalation-recorded");
        assertThat(outcome.getDetail()).startsWith("escalation logged, because channel oncall-search is not configured");
        assertThat(bodies).isEmpty();
    }

    @Test
    void shouldPostNothingInDryRun() {
        final RecoveryOutcome outcome = executor(Map.of("oncall-search", webhook()))
                .execute(command("c-escalate-6", "escalate", escalation(), true));

        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly("POST escalation to channel oncall-search");
        assertThat(bodies).isEmpty();
    }

    @Test
    void shouldRejectInvalidChannelName() {
        final Escalate invalid = Escalate.newBuilder(escalation()).setChannel("../oncall").build();

        final RecoveryOutcome outcome = executor(Map.of()).execute(command("c-escalate-7", "escalate", invalid));

        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-name");
    }
}
