package io.ragreactor.runbook;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Reads and validates the {@code providerOutage} section of a runbook file. */
final class ProviderOutageReader {

    private ProviderOutageReader() {
    }

    static ProviderOutageSettings read(final YamlReader reader, final YamlReader.Section section) {
        section.allowOnly(Set.of("component", "detection", "api", "backup", "steps", "baseline"));
        final String component = RunbookLoader.dnsLabel(reader, section, "component");
        final ProviderOutageSettings.Detection detection = readDetection(reader, section.section("detection"));
        final ProviderOutageSettings.Api api = readApi(reader, section.section("api"));
        final ProviderOutageSettings.Backup backup = readBackup(reader, section);
        final ProviderOutageSettings.Steps steps = readSteps(reader, section.section("steps"));

        final YamlReader.Section baseline = section.section("baseline");
        baseline.allowOnly(Set.of("citationHitRate", "precision", "tolerance"));
        final ProviderOutageSettings.QualityBaseline quality = new ProviderOutageSettings.QualityBaseline(
                baseline.fraction("citationHitRate"), baseline.fraction("precision"), baseline.fraction("tolerance", 0.05));
        return new ProviderOutageSettings(component, detection, api, backup, steps, quality);
    }

    private static ProviderOutageSettings.Detection readDetection(final YamlReader reader,
                                                                  final YamlReader.Section detection) {
        detection.allowOnly(Set.of("threshold", "window", "outageStatuses", "quotaErrorTypes", "rateLimitStatuses",
                "defaultRetryAfter", "authStatuses"));
        final Set<Integer> outageStatuses = statuses(detection, "outageStatuses");
        if (outageStatuses.isEmpty() && detection.has("outageStatuses")) {
            reader.problem(detection.node("outageStatuses"), detection.key("outageStatuses"), "needs at least one status");
        }
        final List<String> quotaErrorTypes = detection.strings("quotaErrorTypes");
        for (int i = 0; i < quotaErrorTypes.size(); i++) {
            if (quotaErrorTypes.get(i).isBlank()) {
                reader.problem(detection.item("quotaErrorTypes", i), detection.key("quotaErrorTypes") + "[" + i + "]",
                        "must not be empty");
            }
        }
        final Set<Integer> rateLimitStatuses = statuses(detection, "rateLimitStatuses");
        final Set<Integer> authStatuses = statuses(detection, "authStatuses");

        // Each status may be in one list only, because a status in two lists would be both an outage to fail over
        // from and, for example, a configuration fault that must never fail over.
        requireDisjoint(reader, detection, "rateLimitStatuses", rateLimitStatuses, "outageStatuses", outageStatuses);
        requireDisjoint(reader, detection, "authStatuses", authStatuses, "outageStatuses", outageStatuses);
        requireDisjoint(reader, detection, "authStatuses", authStatuses, "rateLimitStatuses", rateLimitStatuses);

        return new ProviderOutageSettings.Detection(detection.integer("threshold", 1, 1000), detection.duration("window"),
                outageStatuses, List.copyOf(quotaErrorTypes), rateLimitStatuses,
                detection.duration("defaultRetryAfter", Duration.ofSeconds(30)), authStatuses);
    }

    private static Set<Integer> statuses(final YamlReader.Section detection, final String name) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(detection.integers(name, 100, 599)));
    }

    private static void requireDisjoint(final YamlReader reader, final YamlReader.Section detection, final String name,
                                        final Set<Integer> statuses, final String otherName, final Set<Integer> others) {
        final Set<Integer> shared = new LinkedHashSet<>(statuses);
        shared.retainAll(others);
        if (!shared.isEmpty()) {
            reader.problem(detection.node(name), detection.key(name), "status " + shared + " is also in "
                    + detection.key(otherName) + "; each status may be in one list only");
        }
    }

    private static ProviderOutageSettings.Api readApi(final YamlReader reader, final YamlReader.Section api) {
        api.allowOnly(Set.of("deployment", "container", "settings"));
        final String deployment = RunbookLoader.dnsLabel(reader, api, "deployment");
        final String container = api.string("container").trim();
        if (!container.isEmpty() && !RunbookLoader.isDnsLabel(container)) {
            reader.problem(api.node("container"), api.key("container"),
                    "must be a container name or '' for all containers, got '" + container + "'");
        }

        final YamlReader.Section settings = api.section("settings");
        settings.allowOnly(Set.of("carrier", "name"));
        final String carrierText = settings.nonBlank("carrier");
        final ProviderOutageSettings.SettingsCarrier carrier = switch (carrierText) {
            case "ConfigMap" -> ProviderOutageSettings.SettingsCarrier.CONFIG_MAP;
            case "DeploymentEnv" -> ProviderOutageSettings.SettingsCarrier.DEPLOYMENT_ENV;
            default -> {
                if (!carrierText.isEmpty()) {
                    reader.problem(settings.node("carrier"), settings.key("carrier"),
                            "must be ConfigMap or DeploymentEnv, got '" + carrierText + "'");
                }
                yield ProviderOutageSettings.SettingsCarrier.CONFIG_MAP;
            }
        };
        return new ProviderOutageSettings.Api(deployment, container.isEmpty() ? null : container, carrier,
                RunbookLoader.dnsLabel(reader, settings, "name"));
    }

    /** Returns null when the section is absent, empty, or names no provider: the ladder then uses fallback mode. */
    private static ProviderOutageSettings.Backup readBackup(final YamlReader reader, final YamlReader.Section section) {
        if (!section.has("backup")
                || section.node("backup") instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL)) {
            return null;
        }
        final YamlReader.Section backup = section.section("backup");
        backup.allowOnly(Set.of("provider", "envVar"));
        final String provider = backup.string("provider").trim();
        if (provider.isEmpty()) {
            return null;
        }
        if (!RunbookLoader.isDnsLabel(provider)) {
            reader.problem(backup.node("provider"), backup.key("provider"),
                    "must be a provider name (lower-case letters, digits and dashes, at most 63) or '' for none, got '"
                            + provider + "'");
        }
        return new ProviderOutageSettings.Backup(provider, RunbookLoader.settingsKey(reader, backup, "envVar"));
    }

    private static ProviderOutageSettings.Steps readSteps(final YamlReader reader, final YamlReader.Section steps) {
        steps.allowOnly(Set.of("switchProvider", "fallbackMode", "throttle", "awaitRecovery", "ramp", "restoreNormal"));
        final StepLimits switchProvider = RunbookLoader.limits(steps.section("switchProvider"), Set.of());
        final ProviderOutageSettings.Settings fallbackMode = readSettings(reader, steps.section("fallbackMode"));
        final ProviderOutageSettings.Settings throttle = readSettings(reader, steps.section("throttle"));

        final YamlReader.Section await = steps.section("awaitRecovery");
        await.allowOnly(Set.of("healthyFor", "maxWait"));
        final Duration healthyFor = await.duration("healthyFor");
        final Duration maxWait = await.duration("maxWait");
        if (!maxWait.isZero() && maxWait.compareTo(healthyFor) <= 0) {
            reader.problem(await.node("maxWait"), await.key("maxWait"),
                    "must be longer than healthyFor (" + YamlReader.format(healthyFor) + "), got "
                            + YamlReader.format(maxWait));
        }

        final ProviderOutageSettings.Ramp ramp = readRamp(reader, steps.section("ramp"));

        final ProviderOutageSettings.Settings restoreNormal = readSettings(reader, steps.section("restoreNormal"));
        return new ProviderOutageSettings.Steps(switchProvider, fallbackMode, throttle,
                new ProviderOutageSettings.AwaitRecovery(healthyFor, maxWait), ramp, restoreNormal);
    }

    private static ProviderOutageSettings.Settings readSettings(final YamlReader reader, final YamlReader.Section step) {
        final StepLimits limits = RunbookLoader.limits(step, Set.of("values"));
        final Map<String, String> values = step.stringMap("values");
        if (values.isEmpty() && step.has("values")) {
            reader.problem(step.node("values"), step.key("values"), "needs at least one key");
        }
        for (final String key : values.keySet()) {
            if (!RunbookLoader.isSettingsKey(key)) {
                reader.problem(step.node("values"), step.key("values") + "." + key, "must be an environment variable"
                        + " or ConfigMap key (letters, digits, '_', '.' and '-', starting with a letter or '_')");
            }
        }
        return new ProviderOutageSettings.Settings(Collections.unmodifiableMap(values), limits);
    }

    private static ProviderOutageSettings.Ramp readRamp(final YamlReader reader, final YamlReader.Section ramp) {
        final StepLimits limits = RunbookLoader.limits(ramp, Set.of("percents", "percentKey", "hold", "minSamples",
                "maxRegressions"));
        final int problemsBefore = reader.problems().size();
        final List<Integer> percents = ramp.integers("percents", 1, 100);
        // The order checks only make sense when every item was read.
        if (reader.problems().size() == problemsBefore) {
            if (percents.isEmpty()) {
                reader.problem(ramp.node("percents"), ramp.key("percents"), "needs at least one percent, the last 100");
            } else {
                for (int i = 1; i < percents.size(); i++) {
                    if (percents.get(i) <= percents.get(i - 1)) {
                        reader.problem(ramp.item("percents", i), ramp.key("percents") + "[" + i + "]",
                                "must be strictly increasing, got " + percents);
                        break;
                    }
                }
                if (percents.get(percents.size() - 1) != 100) {
                    reader.problem(ramp.node("percents"), ramp.key("percents"), "must end at 100, got " + percents);
                }
            }
        }
        return new ProviderOutageSettings.Ramp(List.copyOf(percents), RunbookLoader.settingsKey(reader, ramp, "percentKey"),
                ramp.duration("hold"), ramp.integer("minSamples", 1, 1_000_000, 20), ramp.integer("maxRegressions", 0, 10, 1),
                limits);
    }
}
