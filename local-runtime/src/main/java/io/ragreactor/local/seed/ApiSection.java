package io.ragreactor.local.seed;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads and validates the seed's {@code api} section. */
final class ApiSection {

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern CONFIG_MAP_KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
    private static final Pattern PERCENT = Pattern.compile("[0-9]{1,3}");

    private ApiSection() {
    }

    static ApiSeed read(final Node api) {
        final Node settings = api.child("settings");
        final String trafficPercentKey = configMapKey(settings.child("trafficPercentKey"));
        final Map<String, String> data = new LinkedHashMap<>();
        for (final Map.Entry<String, Node> entry : settings.child("data").map().entrySet()) {
            if (!CONFIG_MAP_KEY.matcher(entry.getKey()).matches()) {
                throw entry.getValue().invalid("'" + entry.getKey() + "' is not a valid ConfigMap key");
            }
            data.put(entry.getKey(), entry.getValue().scalar());
        }
        if (data.containsKey(trafficPercentKey)) {
            checkPercent(settings.child("data").map().get(trafficPercentKey), data.get(trafficPercentKey));
        }
        return new ApiSeed(
                SeedLoader.dnsLabel(api.child("deployment")),
                SeedLoader.dnsLabel(api.child("container")),
                api.child("image").string(),
                envName(api.child("providerEnv")),
                SeedLoader.dnsLabel(api.child("primaryProvider")),
                SeedLoader.dnsLabel(settings.child("configMap")),
                trafficPercentKey,
                data,
                quality(api.child("quality")));
    }

    private static QualitySeed quality(final Node quality) {
        final double citationHitRate = quality.child("citationHitRate").fraction();
        final double precision = quality.child("precision").fraction();
        final Node variationNode = quality.child("variation");
        final double variation = variationNode.fraction();
        if (Math.min(citationHitRate, precision) - variation < 0 || Math.max(citationHitRate, precision) + variation > 1) {
            throw variationNode.invalid("citationHitRate and precision plus or minus " + variation
                    + " must stay between 0 and 1");
        }
        return new QualitySeed(SeedLoader.dnsLabel(quality.child("component")), citationHitRate, precision, variation,
                quality.child("requestsPerSample").positiveInt());
    }

    private static void checkPercent(final Node node, final String value) {
        if (value.isBlank()) {
            return;
        }
        if (!PERCENT.matcher(value.trim()).matches() || Integer.parseInt(value.trim()) > 100) {
            throw node.invalid("expected a percent from 0 to 100 or an empty value, got '" + value + "'");
        }
    }

    private static String envName(final Node node) {
        final String value = node.string();
        if (!ENV_NAME.matcher(value).matches()) {
            throw node.invalid("'" + value + "' is not a valid env variable name");
        }
        return value;
    }

    private static String configMapKey(final Node node) {
        final String value = node.string();
        if (!CONFIG_MAP_KEY.matcher(value).matches()) {
            throw node.invalid("'" + value + "' is not a valid ConfigMap key");
        }
        return value;
    }
}
