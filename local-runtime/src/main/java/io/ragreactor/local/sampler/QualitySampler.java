package io.ragreactor.local.sampler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.local.cluster.SimulatedCluster;
import io.ragreactor.local.seed.ApiSeed;
import io.ragreactor.local.seed.QualitySeed;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.QualityReading;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated quality sampler of the RAG API. Each {@link #sample} call computes, from the simulated cluster's
 * state at that moment, the health event a sampler of the API would publish: a {@link QualityReading} of the
 * primary provider whose sample size follows the primary's share of traffic. The caller schedules the calls and
 * publishes the events. It is not a real sampler, so its log lines go to the logger {@value #LOGGER_NAME}.
 */
public final class QualitySampler implements AutoCloseable {

    /** Logger name of every line about the simulated sampler. */
    public static final String LOGGER_NAME = "simulated-quality-sampler";
    /** The events' source name. */
    public static final String SOURCE = "quality-sampler";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    // Multiples of the seed's variation, cycled through so that consecutive readings differ a little.
    private static final double[] VARIATION_STEPS = {0.0, 1.0, -1.0, 0.5, -0.5};

    private final KubernetesClient client;
    private final String namespace;
    private final ApiSeed api;
    private final String target;
    private final AtomicLong readings = new AtomicLong();
    private volatile int lastPercent = -1;
    private volatile String lastInvalidPercent;

    /**
     * Creates a sampler of the cluster's RAG API with a client of its own, which {@link #close()} closes.
     *
     * @throws IllegalStateException when the cluster's seed has no {@code api} section
     */
    public QualitySampler(final SimulatedCluster cluster) {
        this.api = cluster.seed().api().orElseThrow(() -> new IllegalStateException(
                "the seed has no api section, so the simulated stack has no RAG API to sample"));
        this.namespace = cluster.seed().namespace();
        this.target = namespace + "/" + api.quality().component() + "/" + api.primaryProvider();
        this.client = cluster.newClient();
    }

    /** Returns the target of the readings, {@code <namespace>/<component>/<primary provider>}. */
    public String target() {
        return target;
    }

    /**
     * Returns the reading the sampler publishes at {@code observedAt}, or empty when the primary provider gets no
     * traffic. The sample size is the seed's requests per sample times the primary's share of traffic, rounded up.
     */
    public Optional<HealthEvent> sample(final Instant observedAt) {
        Objects.requireNonNull(observedAt, "observedAt");
        final int percent = primaryTrafficPercent();
        if (percent != lastPercent) {
            LOG.info("target=[{}] primary provider {} gets {} % of traffic", target, api.primaryProvider(), percent);
            lastPercent = percent;
        }
        if (percent == 0) {
            return Optional.empty();
        }
        final QualitySeed quality = api.quality();
        final int sampleSize = (int) Math.ceil(quality.requestsPerSample() * percent / 100.0);
        final long reading = readings.getAndIncrement();
        final double offset = quality.variation() * VARIATION_STEPS[(int) (reading % VARIATION_STEPS.length)];
        final HealthEvent event = HealthEvent.newBuilder()
                .setEventId(SOURCE + "-" + observedAt.toEpochMilli() + "-" + reading)
                .setObservedAt(observedAt)
                .setTarget(target)
                .setSource(SOURCE)
                .setPayload(QualityReading.newBuilder()
                        .setProvider(api.primaryProvider())
                        .setCitationHitRate(rounded(quality.citationHitRate() + offset))
                        .setPrecision(rounded(quality.precision() + offset))
                        .setSampleSize(sampleSize)
                        .build())
                .build();
        LOG.debug("target=[{}] reading {}: {} requests at {} % of traffic", target, reading, sampleSize, percent);
        return Optional.of(event);
    }

    /**
     * Returns the primary provider's share of traffic now: 100 while the API Deployment's provider env names it,
     * else the percent in the settings ConfigMap, 0 when that key is absent, blank or not a number.
     */
    public int primaryTrafficPercent() {
        final Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(api.deployment()).get();
        if (deployment == null) {
            return 0;
        }
        if (api.primaryProvider().equals(providerOf(deployment).orElse(null))) {
            return 100;
        }
        final ConfigMap settings = client.configMaps().inNamespace(namespace).withName(api.settingsConfigMap()).get();
        final String value = settings == null || settings.getData() == null ? null
                : settings.getData().get(api.trafficPercentKey());
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Math.max(0, Math.min(100, Integer.parseInt(value.trim())));
        } catch (final NumberFormatException e) {
            if (!value.equals(lastInvalidPercent)) {
                LOG.warn("configMap=[{}/{}] key {} is '{}', not a percent; the primary provider gets no traffic",
                        namespace, api.settingsConfigMap(), api.trafficPercentKey(), value);
                lastInvalidPercent = value;
            }
            return 0;
        }
    }

    /** Closes the sampler's client of the simulated API. */
    @Override
    public void close() {
        client.close();
    }

    private Optional<String> providerOf(final Deployment deployment) {
        String provider = null;
        for (final Container container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
            if (!api.container().equals(container.getName())) {
                continue;
            }
            // Kubernetes uses the last definition of a duplicated variable.
            for (final EnvVar env : container.getEnv()) {
                if (api.providerEnv().equals(env.getName())) {
                    provider = env.getValue();
                }
            }
        }
        return Optional.ofNullable(provider);
    }

    private static double rounded(final double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
