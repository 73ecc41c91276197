package io.ragreactor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.cli.LocalStack;
import io.ragreactor.cli.RagReactorCli;
import io.ragreactor.embedded.alertmanager.AlertmanagerProcess;
import io.ragreactor.local.LocalRuntime;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * An alert from a real Alertmanager through the stack that {@code rag-reactor local} runs: Alertmanager posts a
 * RetrieverEmptyResults alert for shard-4 to the webhook receiver, and the reactor and the actuators take the
 * healthy-seeded shard through its ladder, read back with the {@code tail} command as an operator would.
 */
class AlertToOutcomeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET = "rag-prod/vectorstore/shard-4";
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldRecoverShardFromAlert() throws Exception {
        final Optional<Path> binary = AlertmanagerProcess.findBinary();
        Assumptions.assumeTrue(binary.isPresent(), "Alertmanager binary (prometheus-alertmanager or alertmanager) "
                + "is missing from the PATH; install it, for example with apt-get install prometheus-alertmanager");

        final Instant testStart = Instant.now();
        try (LocalStack stack = LocalStack.start(LocalRuntime.Options.defaults(),
                new InetSocketAddress("127.0.0.1", 0));
             AlertmanagerProcess alertmanager = AlertmanagerProcess.start(binary.get(),
                     stack.alertmanagerWebhookUrl(), Duration.ofSeconds(1))) {
            try {
                // Given shard-4, seeded with a healthy index, and Alertmanager in front of the receiver
                assertThat(stack.loop().runtime().cluster().shardIndex("shard-4").healthy()).isTrue();

                // When an alert reports that shard-4's golden queries return nothing
                postAlert(alertmanager);

                // Then tail shows shard-4's outcomes, through the ladder to the shard reintroduced
                final List<JsonNode> outcomes = awaitRecovered(stack, testStart);
                assertThat(outcomes).extracting(outcome -> outcome.path("step").asText())
                        .containsExactly("mark-unhealthy", "reopen", "validate", "reintroduce");
                assertThat(outcomes).extracting(outcome -> outcome.path("status").asText())
                        .containsOnly("SUCCEEDED");
                assertThat(stack.loop().runtime().cluster().shardIndex("shard-4").healthy()).isTrue();
            } catch (final Exception | AssertionError e) {
                System.out.println("Alertmanager output:\n" + alertmanager.output());
                throw e;
            }
        }
    }

    private void postAlert(final AlertmanagerProcess alertmanager) throws Exception {
        final String alert = "[{\"labels\": {\"alertname\": \"RetrieverEmptyResults\", \"namespace\": \"rag-prod\", "
                + "\"shard\": \"shard-4\", \"severity\": \"page\"}, "
                + "\"annotations\": {\"summary\": \"golden queries of shard-4 return nothing\"}}]";
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(alertmanager.url() + "/api/v2/alerts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(alert)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("Alertmanager's answer to %s: %s", alert, response.body()).isEqualTo(200);
    }

    /**
     * Runs {@code tail --json --from testStart} until shard-4's incident closes, and returns shard-4's outcomes in
     * the order tail printed them. Each run reads from the test's start again and stops after 3 s without a record.
     */
    private static List<JsonNode> awaitRecovered(final LocalStack stack, final Instant testStart)
            throws Exception {
        final long end = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
        String printed = "";
        while (System.nanoTime() < end) {
            printed = tail(stack, testStart);
            final List<JsonNode> outcomes = new ArrayList<>();
            JsonNode closed = null;
            for (final String line : printed.lines().toList()) {
                final JsonNode record = JSON.readTree(line);
                final JsonNode value = record.path("value");
                if (!value.path("target").asText().equals(TARGET)) {
                    continue;
                }
                if (record.path("topic").asText().equals(stack.loop().topics().outcomes().name())) {
                    outcomes.add(value);
                } else if (!value.path("state").asText().equals("OPEN")) {
                    closed = value;
                }
            }
            if (closed != null) {
                assertThat(closed.path("state").asText()).as("shard-4's incident: %s", closed).isEqualTo("RECOVERED");
                return outcomes;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("shard-4's incident did not close within " + RECOVERY_TIMEOUT + "; tail printed:\n"
                + printed);
    }

    /** Runs the tail command in this JVM and returns what it printed on standard output. */
    private static String tail(final LocalStack stack, final Instant from) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = new CommandLine(new RagReactorCli());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute("tail", "--json", "--from", from.toString(), "--timeout", "3s",
                "--bootstrap-servers", stack.loop().runtime().bootstrapServers(),
                "--schema-registry-url", stack.loop().runtime().schemaRegistryUrl());
        assertThat(exitCode).as("exit code of tail, whose errors are:%n%s", err).isZero();
        return out.toString();
    }
}
