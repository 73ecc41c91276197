package io.ragreactor.actuators.provider;

import static io.ragreactor.actuators.TestCommands.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ragreactor.actuators.TestCommands;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.schemas.command.ProbeProviderCredentials;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CredentialProbeHandlerTest {

    private static final String SECRET = "sk-test-7f3a9c1e5b2d";
    private static final String CREDENTIAL = "backup-llm";

    private HttpServer provider;
    private String baseUrl;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private CommandExecutor executor;

    @BeforeEach
    void startProvider() throws IOException {
        provider = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        provider.createContext("/v1/models", exchange -> answer(exchange, 200, "{\"data\":[{\"id\":\"backup-1\"}]}"));
        provider.createContext("/unauthorized", exchange -> answer(exchange, 401, "{\"error\":\"invalid api key\"}"));
        provider.createContext("/forbidden", exchange -> answer(exchange, 403, "{\"error\":\"key lacks scope\"}"));
        // A badly behaved provider that echoes the request's Authorization header in a long error body.
        provider.createContext("/echo", exchange -> answer(exchange, 500, "upstream failed for "
                + exchange.getRequestHeaders().getFirst("Authorization") + " " + "x".repeat(2_000)));
        provider.createContext("/redirect", exchange -> {
            exchange.getResponseHeaders().add("Location", "https://collector.example/steal");
            answer(exchange, 302, "");
        });
        provider.createContext("/slow", exchange -> {
            try {
                Thread.sleep(5_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "{}");
        });
        provider.start();
        baseUrl = "http://127.0.0.1:" + provider.getAddress().getPort();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        executor = TestCommands.executor(List.of(new CredentialProbeHandler(http, Map.of(CREDENTIAL, SECRET))));
    }

    @AfterEach
    void stopProvider() {
        provider.stop(0);
    }

    @Test
    void shouldSucceedWhenProviderAcceptsCredential() {
        // When
        final RecoveryOutcome outcome = executor.execute(probe("/v1/models", Duration.ofSeconds(10), false));

        // Then the provider got the bearer token and the outcome names only the credential
        assertThat(authorizations).containsExactly("Bearer " + SECRET);
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("ok");
        assertThat(outcome.getDetail()).isEqualTo("provider backup accepted credential backup-llm (HTTP 200)");
        assertThat(outcome.getCalls()).containsExactly("GET " + baseUrl + "/v1/models (bearer credential backup-llm)"
                + " -> HTTP 200");
        assertThat(outcome.toString()).doesNotContain(SECRET);
    }

    @Test
    void shouldReportRejectedCredentialsOn401And403() {
        for (final String path : List.of("/unauthorized", "/forbidden")) {
            // When
            final RecoveryOutcome outcome = executor.execute(probe(path, Duration.ofSeconds(10), false));

            // Then
            assertThat(outcome.getStatus()).as(path).isEqualTo(OutcomeStatus.FAILED);
            assertThat(outcome.getReason()).as(path).isEqualTo("credentials-rejected");
            assertThat(outcome.getDetail()).as(path).startsWith("provider backup rejected credential backup-llm (HTTP 40");
            assertThat(evidence(outcome).getText()).as(path).contains("\"error\"");
        }
    }

    @Test
    void shouldReportProbeFailureWithRedactedBoundedBody() {
        // When the provider returns HTTP 500 and echoes the token
        final RecoveryOutcome outcome = executor.execute(probe("/echo", Duration.ofSeconds(10), false));

        // Then the body is kept up to its bound, without the secret
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("probe-failed");
        assertThat(outcome.getDetail()).isEqualTo("probe of provider backup failed: HTTP 500");
        final String body = evidence(outcome).getText();
        assertThat(body).startsWith("HTTP 500\nupstream failed for Bearer [redacted] xxx");
        assertThat(body.length()).isLessThan(CredentialProbeHandler.MAX_BODY_BYTES + 100);
        assertThat(outcome.toString()).doesNotContain(SECRET);
    }

    @Test
    void shouldNotFollowRedirect() {
        // When
        final RecoveryOutcome outcome = executor.execute(probe("/redirect", Duration.ofSeconds(10), false));

        // Then
        assertThat(outcome.getReason()).isEqualTo("probe-failed");
        assertThat(outcome.getDetail()).endsWith("HTTP 302");
        assertThat(authorizations).hasSize(1);
    }

    @Test
    void shouldReportProbeFailureWhenProviderIsUnreachable() throws IOException {
        // Given a loopback port that nothing listens on
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        final ProbeProviderCredentials action = ProbeProviderCredentials.newBuilder(probeAction("/v1/models"))
                .setProbeUrl("http://127.0.0.1:" + closedPort + "/v1/models").build();

        // When
        final RecoveryOutcome outcome = executor.execute(timed(action, Duration.ofSeconds(10), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
        assertThat(outcome.getReason()).isEqualTo("probe-failed");
        assertThat(outcome.getDetail()).contains("request failed: java.net.ConnectException");
    }

    @Test
    void shouldTimeOutAtCommandDeadline() {
        // Given
        final long started = System.nanoTime();

        // When the provider takes 5 s and the command's deadline is 1 s away
        final RecoveryOutcome outcome = executor.execute(probe("/slow", Duration.ofSeconds(1), false));

        // Then
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(elapsedMs).isBetween(900L, 3_000L);
    }

    @Test
    void shouldNotProbeWhenDeadlineHasPassed() {
        // Given a command whose deadline passed before it arrived
        final RecoveryCommand late = RecoveryCommand.newBuilder(timed(probeAction("/v1/models"), Duration.ZERO, false))
                .setDeadline(Instant.now().minusSeconds(1)).build();

        // When
        final RecoveryOutcome outcome = executor.execute(late);

        // Then
        assertThat(outcome.getReason()).isEqualTo("deadline-passed");
        assertThat(outcome.getCalls()).isEmpty();
        assertThat(authorizations).isEmpty();
    }

    @Test
    void shouldGiveSameResultWhenCommandIsRedelivered() {
        // Given
        final RecoveryCommand command = probe("/v1/models", Duration.ofSeconds(10), false);
        final RecoveryOutcome first = executor.execute(command);

        // When a probe, which changes nothing, is delivered again
        final RecoveryOutcome second = executor.execute(command);

        // Then it probes again and reports the same result
        assertThat(second.getStatus()).isEqualTo(first.getStatus());
        assertThat(second.getReason()).isEqualTo(first.getReason());
        assertThat(second.getDetail()).isEqualTo(first.getDetail());
    }

    @Test
    void shouldNotCallProviderInDryRun() {
        // When
        final RecoveryOutcome outcome = executor.execute(probe("/v1/models", Duration.ofSeconds(10), true));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcome.getReason()).isEqualTo("dry-run");
        assertThat(outcome.getCalls()).containsExactly("GET " + baseUrl + "/v1/models (bearer credential backup-llm)");
        assertThat(authorizations).isEmpty();
    }

    @Test
    void shouldRejectUnknownCredentialWithoutNamingSecret() {
        // Given
        final ProbeProviderCredentials action = ProbeProviderCredentials.newBuilder(probeAction("/v1/models"))
                .setCredentialRef("primary-llm").build();

        // When
        final RecoveryOutcome outcome = executor.execute(timed(action, Duration.ofSeconds(10), false));

        // Then
        assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
        assertThat(outcome.getReason()).isEqualTo("invalid-parameter");
        assertThat(outcome.getDetail()).isEqualTo("credentialRef [primary-llm] names no credential this actuator"
                + " holds; set RAG_REACTOR_CREDENTIAL_PRIMARY_LLM in the actuator's environment");
        assertThat(authorizations).isEmpty();
    }

    @Test
    void shouldRejectUnsafeProbeUrlsAndNames() {
        // Given one invalid action per guard, with the reason each must give
        final Map<ProbeProviderCredentials, String> cases = Map.of(
                withUrl("http://provider.example/v1/models"), "invalid-parameter",
                withUrl("https://user:pass@provider.example/v1/models"), "invalid-parameter",
                withUrl("https://provider.example/v1/models#frag"), "invalid-parameter",
                withUrl("ftp://127.0.0.1/v1/models"), "invalid-parameter",
                withUrl("https:///no-host"), "invalid-parameter",
                ProbeProviderCredentials.newBuilder(probeAction("/v1/models")).setCredentialRef("Backup_LLM").build(),
                "invalid-name",
                ProbeProviderCredentials.newBuilder(probeAction("/v1/models")).setProvider("backup llm; rm").build(),
                "invalid-name");

        for (final Map.Entry<ProbeProviderCredentials, String> invalid : cases.entrySet()) {
            // When
            final RecoveryOutcome outcome = executor.execute(timed(invalid.getKey(), Duration.ofSeconds(10), false));

            // Then
            assertThat(outcome.getStatus()).as(invalid.getKey().toString()).isEqualTo(OutcomeStatus.REJECTED_BY_GUARD);
            assertThat(outcome.getReason()).as(invalid.getKey().toString()).isEqualTo(invalid.getValue());
        }
        assertThat(authorizations).isEmpty();
    }

    @Test
    void shouldKeepSecretOutOfLogs() {
        // Given stderr, where the test logger writes, captured
        final PrintStream original = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            // When probes end in each way
            for (final String path : List.of("/v1/models", "/unauthorized", "/echo")) {
                executor.execute(probe(path, Duration.ofSeconds(10), false));
            }
        } finally {
            System.setErr(original);
        }

        // Then the log lines name the credential but never contain the secret
        final String logs = captured.toString(StandardCharsets.UTF_8);
        assertThat(logs).contains("Credential probe finished: provider=[backup] credential=[backup-llm]");
        assertThat(logs).doesNotContain(SECRET);
    }

    @Test
    void shouldReadCredentialsFromEnvironment() {
        // When
        final Map<String, String> credentials = CredentialProbeHandler.credentialsFromEnvironment(Map.of(
                "RAG_REACTOR_CREDENTIAL_BACKUP_LLM", SECRET,
                "RAG_REACTOR_CREDENTIAL_EMPTY", "",
                "RAG_REACTOR_CREDENTIAL_", "nameless",
                "OPENAI_API_KEY", "sk-other"));

        // Then
        assertThat(credentials).containsExactlyEntriesOf(Map.of(CREDENTIAL, SECRET));
        assertThat(CredentialProbeHandler.environmentVariableOf(CREDENTIAL))
                .isEqualTo("RAG_REACTOR_CREDENTIAL_BACKUP_LLM");
    }

    @Test
    void shouldRejectClientThatFollowsRedirects() {
        // Given
        final HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

        // When / Then
        assertThatThrownBy(() -> new CredentialProbeHandler(following, Map.of(CREDENTIAL, SECRET)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not follow redirects");
    }

    private void answer(final HttpExchange exchange, final int status, final String body) throws IOException {
        authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private RecoveryCommand probe(final String path, final Duration untilDeadline, final boolean dryRun) {
        return timed(probeAction(path), untilDeadline, dryRun);
    }

    private ProbeProviderCredentials probeAction(final String path) {
        return ProbeProviderCredentials.newBuilder()
                .setProvider("backup")
                .setProbeUrl(baseUrl + path)
                .setCredentialRef(CREDENTIAL)
                .build();
    }

    private ProbeProviderCredentials withUrl(final String url) {
        return ProbeProviderCredentials.newBuilder(probeAction("/v1/models")).setProbeUrl(url).build();
    }

    private static RecoveryCommand timed(final ProbeProviderCredentials action, final Duration untilDeadline,
                                         final boolean dryRun) {
        final Instant now = Instant.now();
        return RecoveryCommand.newBuilder(command("c-probe-1", "probe-credentials", action, dryRun))
                .setIssuedAt(now)
                .setDeadline(now.plus(untilDeadline))
                .build();
    }

    private static Evidence evidence(final RecoveryOutcome outcome) {
        return outcome.getEvidence().stream().filter(e -> "credential-probe".equals(e.getKind())).findFirst()
                .orElseThrow(() -> new AssertionError("no credential-probe evidence in " + outcome.getEvidence()));
    }
}
