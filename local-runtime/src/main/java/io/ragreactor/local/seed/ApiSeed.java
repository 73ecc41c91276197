package io.ragreactor.local.seed;

import java.util.Map;

/**
 * The RAG API: its Deployment, the env variable naming the provider it calls, and the ConfigMap it reads its
 * runtime settings from.
 *
 * @param deployment name of the API Deployment; it gets one Ready pod {@code <deployment>-0}
 * @param container the container whose environment names the provider
 * @param image the container's image
 * @param providerEnv the env variable naming the active LLM provider
 * @param primaryProvider the provider the API calls before any incident, the initial value of {@code providerEnv}
 * @param settingsConfigMap the ConfigMap of runtime settings
 * @param trafficPercentKey the key of that ConfigMap with the percent of traffic still sent to the primary
 *     provider while {@code providerEnv} names another one
 * @param settings the ConfigMap's initial data
 * @param quality what the simulated quality sampler reports
 */
public record ApiSeed(String deployment, String container, String image, String providerEnv, String primaryProvider,
        String settingsConfigMap, String trafficPercentKey, Map<String, String> settings, QualitySeed quality) {

    public ApiSeed {
        settings = Map.copyOf(settings);
    }
}
