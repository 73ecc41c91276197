package io.ragreactor.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scenario B settings: detection of an LLM provider outage and the parameters of its ladder, which fails over
 * to a backup provider or a local fallback mode, throttles, and ramps traffic back while comparing quality
 * readings with the baseline. {@code backup} is null when the site has no backup provider.
 */
public record ProviderOutageSettings(String component, Detection detection, Api api, Backup backup,
                                     Steps steps, QualityBaseline baseline) {

    /**
     * An incident opens when one provider shows {@code threshold} outage symptoms (an outage status or a
     * quota error type) within {@code window}. Rate-limit statuses delay action until their Retry-After passes,
     * and auth statuses are a configuration fault that escalates instead of failing over.
     */
    public record Detection(int threshold, Duration window, Set<Integer> outageStatuses, List<String> quotaErrorTypes,
                            Set<Integer> rateLimitStatuses, Duration defaultRetryAfter, Set<Integer> authStatuses) {
    }

    /** Kind of resource that carries the RAG API settings the ladder changes. */
    public enum SettingsCarrier {
        /** Keys of a ConfigMap the API reads. */
        CONFIG_MAP,
        /** Environment variables of the API deployment's containers. */
        DEPLOYMENT_ENV
    }

    /**
     * The RAG API deployment and where its settings live; {@code container} is null when every container of
     * the deployment gets the settings.
     */
    public record Api(String deployment, String container, SettingsCarrier carrier, String settingsName) {
    }

    /** The backup provider, and the environment variable on the API deployment that names the active provider. */
    public record Backup(String provider, String envVar) {
    }

    /** A settings change: keys (environment variables or ConfigMap keys) and the values the step sets. */
    public record Settings(Map<String, String> values, StepLimits limits) {
    }

    /** Waiting for the provider: healthy after {@code healthyFor} without a symptom; escalate after {@code maxWait}. */
    public record AwaitRecovery(Duration healthyFor, Duration maxWait) {
    }

    /**
     * Ramping traffic back to the primary provider: each percent is written to {@code percentKey} and held for
     * {@code hold}, and a step advances only after {@code minSamples} quality readings. Up to
     * {@code maxRegressions} regressions fall back a step and try again; the next one escalates.
     */
    public record Ramp(List<Integer> percents, String percentKey, Duration hold, int minSamples, int maxRegressions,
                       StepLimits limits) {
    }

    /** Parameters of each ladder step; {@code restoreNormal} undoes the fallback and throttle settings. */
    public record Steps(StepLimits switchProvider, Settings fallbackMode, Settings throttle, AwaitRecovery awaitRecovery,
                        Ramp ramp, Settings restoreNormal) {
    }

    /**
     * Quality the ramp compares against, each from 0 to 1: a reading below its baseline minus {@code tolerance}
     * is a regression.
     */
    public record QualityBaseline(double citationHitRate, double precision, double tolerance) {
    }
}
