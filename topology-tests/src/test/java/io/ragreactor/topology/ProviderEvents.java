package io.ragreactor.topology;

import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ProviderError;
import io.ragreactor.schemas.health.QualityReading;
import java.time.Instant;

/** Builders of LLM provider errors and quality readings for topology tests, shaped like the RAG API reports them. */
final class ProviderEvents {

    static final String PRIMARY = provider("primary-llm");
    static final String BACKUP = provider("backup-llm");

    private ProviderEvents() {
    }

    static String provider(final String name) {
        return "rag-prod/generator/" + name;
    }

    /**
     * Builds a failed provider call. Its {@code errorType}, {@code retryAfterSeconds} and {@code message} may be
     * null.
     */
    static HealthEvent providerError(final String target, final Instant at, final int status, final String errorType,
                                     final Long retryAfterSeconds, final String message) {
        final String provider = target.substring(target.lastIndexOf('/') + 1);
        return Events.event(target, at, "rag-api", ProviderError.newBuilder()
                .setProvider(provider)
                .setHttpStatus(status)
                .setErrorType(errorType)
                .setRetryAfterSeconds(retryAfterSeconds)
                .setRequest("POST /v1/chat/completions")
                .setMessage(message)
                .build());
    }

    static HealthEvent serverError(final String target, final Instant at, final int status) {
        return providerError(target, at, status, "server_error", null,
                "The server had an error while processing your request. Sorry about that!");
    }

    static HealthEvent rateLimited(final String target, final Instant at, final Long retryAfterSeconds) {
        return providerError(target, at, 429, "requests", retryAfterSeconds,
                "Rate limit reached for requests per minute.");
    }

    static HealthEvent quotaExceeded(final String target, final Instant at) {
        return providerError(target, at, 400, "insufficient_quota", null,
                "You exceeded your current quota, please check your plan and billing details.");
    }

    static HealthEvent authFailed(final String target, final Instant at) {
        return providerError(target, at, 401, "invalid_request_error", null,
                "Incorrect API key provided: sk-****...****. You can find your API key in your account settings.");
    }

    /** Builds a quality reading over {@code sampleSize} requests, naming the target's provider. */
    static HealthEvent quality(final String target, final Instant at, final double citationHitRate,
                               final double precision, final int sampleSize) {
        final String provider = target.substring(target.lastIndexOf('/') + 1);
        return Events.event(target, at, "quality-sampler",
                new QualityReading(provider, citationHitRate, precision, sampleSize));
    }
}
