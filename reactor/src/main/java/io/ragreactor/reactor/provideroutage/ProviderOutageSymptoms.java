package io.ragreactor.reactor.provideroutage;

import io.ragreactor.reactor.incident.Symptom;
import io.ragreactor.runbook.ProviderOutageSettings;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ProviderError;
import io.ragreactor.schemas.state.TargetState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Classifies a provider's failed calls. An auth status is a configuration fault that opens an incident at
 * once. An outage status, or a quota error type whatever the status, is a symptom counted against the
 * threshold. A rate-limit status only sets the time before which the provider requested not to be called
 * again (Retry-After). It becomes a symptom when the provider still returns it once that time has passed.
 */
public final class ProviderOutageSymptoms {

    /** Kind of an auth symptom, a configuration fault that the ladder escalates without failover. */
    public static final String AUTH = "auth";
    /** Kind of an outage status symptom. */
    public static final String OUTAGE = "outage";
    /** Kind of a quota error symptom. */
    public static final String QUOTA = "quota";
    /** Kind of a rate limit that the provider still returns after its Retry-After passed. */
    public static final String RATE_LIMIT = "rate-limit";

    /** Long runs of key-like characters in a provider message, masked because a message may echo a credential. */
    private static final Pattern KEY_LIKE = Pattern.compile("[A-Za-z0-9_\\-]{24,}");

    private final ProviderOutageSettings.Detection detection;

    public ProviderOutageSymptoms(final ProviderOutageSettings.Detection detection) {
        this.detection = detection;
    }

    /**
     * Returns the symptom {@code event} shows, or empty. A rate-limited response moves the provider's hold
     * ({@link TargetState#getHoldUntil()}) to its Retry-After, keeping the later of the old and new hold.
     */
    public Optional<Symptom> detect(final HealthEvent event, final TargetState state) {
        if (!(event.getPayload() instanceof ProviderError error)) {
            return Optional.empty();
        }
        final int status = error.getHttpStatus();
        if (detection.authStatuses().contains(status)) {
            return Optional.of(new Symptom(AUTH, "provider rejected the credentials: " + describe(error), true));
        }
        if (error.getErrorType() != null && detection.quotaErrorTypes().contains(error.getErrorType())) {
            return Optional.of(Symptom.of(QUOTA, "provider quota exhausted: " + describe(error)));
        }
        if (detection.outageStatuses().contains(status)) {
            return Optional.of(Symptom.of(OUTAGE, "provider outage: " + describe(error)));
        }
        if (detection.rateLimitStatuses().contains(status)) {
            return rateLimited(event.getObservedAt(), error, state);
        }
        return Optional.empty();
    }

    /** Returns whether a symptom of {@code kind} means that the provider is failing, which auth does not. */
    public static boolean isProviderFailure(final String kind) {
        return OUTAGE.equals(kind) || QUOTA.equals(kind) || RATE_LIMIT.equals(kind);
    }

    /** Builds evidence from a provider error event, with key-like strings of its message masked. */
    public static Evidence evidence(final HealthEvent event, final ProviderError error) {
        return new Evidence("provider-error", event.getSource() + " event " + event.getEventId(),
                "at " + event.getObservedAt() + " " + describe(error)
                        + (error.getRequest() == null ? "" : " on " + error.getRequest()), false);
    }

    /** Describes the error in one line: status, error type and message, with key-like strings masked. */
    public static String describe(final ProviderError error) {
        final StringBuilder text = new StringBuilder().append(error.getProvider()).append(" answered HTTP ")
                .append(error.getHttpStatus());
        if (error.getErrorType() != null) {
            text.append(" (").append(error.getErrorType()).append(')');
        }
        if (error.getMessage() != null && !error.getMessage().isBlank()) {
            text.append(": ").append(KEY_LIKE.matcher(error.getMessage()).replaceAll("****"));
        }
        return text.toString();
    }

    private Optional<Symptom> rateLimited(final Instant observedAt, final ProviderError error,
                                          final TargetState state) {
        final Instant previousHold = state.getHoldUntil();
        final Duration retryAfter = error.getRetryAfterSeconds() != null && error.getRetryAfterSeconds() >= 0
                ? Duration.ofSeconds(error.getRetryAfterSeconds()) : detection.defaultRetryAfter();
        final Instant hold = observedAt.plus(retryAfter);
        if (previousHold == null || hold.isAfter(previousHold)) {
            state.setHoldUntil(hold);
        }
        // Calls made before the hold passed were expected to be rejected. Only a rejection after it is news.
        if (previousHold != null && !observedAt.isBefore(previousHold)) {
            return Optional.of(Symptom.of(RATE_LIMIT, "rate limit persists after Retry-After (hold until "
                    + previousHold + "): " + describe(error)));
        }
        return Optional.empty();
    }
}
