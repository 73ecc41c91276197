package io.ragreactor.actuators.provider;

import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.ProbeProviderCredentials;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks ahead of need that a provider accepts the stack's credentials: one GET on the probe URL with the
 * credential as a bearer token. The command names the credential only; the secret comes from the map given
 * at construction and never appears in calls, evidence, details or logs.
 */
public final class CredentialProbeHandler implements ActionHandler<ProbeProviderCredentials> {

    /** Prefix of the environment variables that contain credentials: the name follows, upper case, '-' as '_'. */
    public static final String CREDENTIAL_ENV_PREFIX = "RAG_REACTOR_CREDENTIAL_";
    /** Bytes of a response body kept as evidence. */
    static final int MAX_BODY_BYTES = 512;

    private static final Logger LOG = LoggerFactory.getLogger(CredentialProbeHandler.class);
    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");
    private static final String REDACTED = "[redacted]";

    private final HttpClient http;
    private final Map<String, String> credentials;

    /**
     * Creates a handler that probes with {@code http} and the credentials by name. The client must not follow
     * redirects, because a redirect would send the bearer token to whatever host the provider names.
     */
    public CredentialProbeHandler(final HttpClient http, final Map<String, String> credentials) {
        if (http.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("the HTTP client of the credential probe must not follow redirects,"
                    + " but it is set to " + http.followRedirects());
        }
        this.http = http;
        this.credentials = Map.copyOf(credentials);
    }

    /**
     * Returns the credentials found in {@code environment}: each {@code RAG_REACTOR_CREDENTIAL_<NAME>} variable
     * with a non-empty value becomes credential {@code <name>}, lower case with '_' as '-'.
     */
    public static Map<String, String> credentialsFromEnvironment(final Map<String, String> environment) {
        final Map<String, String> found = new HashMap<>();
        environment.forEach((variable, secret) -> {
            if (variable.startsWith(CREDENTIAL_ENV_PREFIX) && variable.length() > CREDENTIAL_ENV_PREFIX.length()
                    && secret != null && !secret.isEmpty()) {
                found.put(variable.substring(CREDENTIAL_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-'),
                        secret);
            }
        });
        return found;
    }

    /** Returns the name of the environment variable that contains credential {@code name}. */
    public static String environmentVariableOf(final String name) {
        return CREDENTIAL_ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public Class<ProbeProviderCredentials> actionType() {
        return ProbeProviderCredentials.class;
    }

    @Override
    public void checkGuards(final ProbeProviderCredentials action, final RecoveryCommand command,
                            final Guards guards) throws GuardRejection {
        guards.labelValue("provider", action.getProvider());
        guards.parameter(!action.getProvider().isEmpty(), "provider", action.getProvider(), "must not be empty");
        guards.parameter(isProbeUrl(action.getProbeUrl()), "probeUrl", action.getProbeUrl(),
                "must be an https URL with a host, no user info and no fragment (http only to 127.0.0.1 or"
                        + " localhost)");
        guards.dnsLabel("credentialRef", action.getCredentialRef());
        if (!credentials.containsKey(action.getCredentialRef())) {
            throw new GuardRejection(OutcomeReason.INVALID_PARAMETER, "credentialRef [" + action.getCredentialRef()
                    + "] names no credential this actuator holds; set "
                    + environmentVariableOf(action.getCredentialRef()) + " in the actuator's environment");
        }
    }

    @Override
    public StepResult execute(final ProbeProviderCredentials action, final ExecutionContext context) {
        final URI url = URI.create(action.getProbeUrl());
        final String call = "GET " + url + " (bearer credential " + action.getCredentialRef() + ")";
        final String provider = action.getProvider();
        if (context.dryRun()) {
            context.recordCall(call);
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would probe provider " + provider + " with"
                    + " credential " + action.getCredentialRef() + " at " + url);
        }

        // The probe gets the time left until the command's deadline, and none once it has passed.
        final Instant deadline = context.command().getDeadline();
        final Duration remaining = Duration.between(context.clock().instant(), deadline);
        if (remaining.isNegative() || remaining.isZero()) {
            return StepResult.of(OutcomeReason.DEADLINE_PASSED, "the command's deadline " + deadline
                    + " passed before provider " + provider + " was probed");
        }
        final String secret = credentials.get(action.getCredentialRef());
        final HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(remaining)
                .header("Authorization", "Bearer " + secret)
                .header("Accept", "application/json")
                .GET()
                .build();
        final Probe probe = send(request, remaining, secret);
        context.recordCall(call + " -> " + probe.summary());
        LOG.info("Credential probe finished: provider=[{}] credential=[{}] result=[{}] {}", provider,
                action.getCredentialRef(), probe.summary(), context);

        final List<Evidence> evidence = List.of(Evidences.of("credential-probe", url.toString(),
                probe.summary() + (probe.body().isEmpty() ? "" : "\n" + probe.body())));
        return StepResult.of(probe.reason(), detail(probe, provider, action.getCredentialRef(), deadline), evidence);
    }

    private Probe send(final HttpRequest request, final Duration remaining, final String secret) {
        final CompletableFuture<HttpResponse<String>> pending =
                http.sendAsync(request, info -> new PrefixBodySubscriber(MAX_BODY_BYTES));
        try {
            // The request timeout covers the response headers only; this bound covers the body as well.
            final HttpResponse<String> response = pending.get(remaining.toMillis(), TimeUnit.MILLISECONDS);
            final int status = response.statusCode();
            final String body = redact(response.body(), secret);
            if (status >= 200 && status < 300) {
                return new Probe(OutcomeReason.OK, "HTTP " + status, "");
            }
            if (status == 401 || status == 403) {
                return new Probe(OutcomeReason.CREDENTIALS_REJECTED, "HTTP " + status, body);
            }
            return new Probe(OutcomeReason.PROBE_FAILED, "HTTP " + status, body);
        } catch (final TimeoutException e) {
            pending.cancel(true);
            return new Probe(OutcomeReason.DEADLINE_PASSED, "no response within " + remaining.toMillis() + " ms", "");
        } catch (final ExecutionException e) {
            final Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return new Probe(OutcomeReason.DEADLINE_PASSED, "no response within " + remaining.toMillis() + " ms",
                        "");
            }
            if (cause instanceof IOException) {
                return new Probe(OutcomeReason.PROBE_FAILED, "request failed: " + redact(String.valueOf(cause), secret),
                        "");
            }
            throw new IllegalStateException("credential probe failed: " + redact(String.valueOf(cause), secret));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.cancel(true);
            return new Probe(OutcomeReason.INTERNAL_ERROR, "interrupted while waiting for the provider", "");
        }
    }

    private static String detail(final Probe probe, final String provider, final String credentialRef,
                                 final Instant deadline) {
        return switch (probe.reason()) {
            case OK -> "provider " + provider + " accepted credential " + credentialRef + " (" + probe.summary() + ")";
            case CREDENTIALS_REJECTED -> "provider " + provider + " rejected credential " + credentialRef + " ("
                    + probe.summary() + "); fix the credential before switching to this provider";
            case DEADLINE_PASSED -> "provider " + provider + " did not answer before the command's deadline "
                    + deadline;
            default -> "probe of provider " + provider + " failed: " + probe.summary();
        };
    }

    /** Replaces every occurrence of the secret, in case a provider or an exception echoes it. */
    private static String redact(final String text, final String secret) {
        return text == null ? "" : text.replace(secret, REDACTED);
    }

    static boolean isProbeUrl(final String value) {
        if (value == null) {
            return false;
        }
        final URI uri;
        try {
            uri = new URI(value);
        } catch (final URISyntaxException e) {
            return false;
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return false;
        }
        final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ("https".equals(scheme)) {
            return true;
        }
        // Plain http would send the token in clear text, so it is only allowed to the local machine, for tests.
        return "http".equals(scheme) && LOOPBACK_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT));
    }

    /** The end of one probe: the reason, a one-line summary and, when useful, the response body (redacted, bounded). */
    private record Probe(OutcomeReason reason, String summary, String body) {
    }
}
