package io.ragreactor.reactor.provideroutage;

import io.ragreactor.runbook.ProviderOutageSettings;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.schemas.command.ApplySettings;
import io.ragreactor.schemas.command.SettingsCarrier;
import io.ragreactor.schemas.command.SettingsPurpose;
import io.ragreactor.schemas.command.SwitchProvider;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Resolves the runbook's provider-outage parameters into self-contained actions for one provider target, so
 * actuators execute exactly what a command contains and a replay can compare exact actions.
 */
public final class ProviderOutageCommands {

    /**
     * Share of a step's deadline given to the actuator's own timeout, so that the actuator's timed-out
     * outcome normally arrives before the reactor gives up on the step.
     */
    static final double ACTUATOR_SHARE_OF_DEADLINE = 0.8;

    private final ProviderOutageSettings settings;

    public ProviderOutageCommands(final ProviderOutageSettings settings) {
        this.settings = settings;
    }

    /** Deadline and attempts of a step. */
    public StepLimits limits(final ProviderOutageStep step) {
        final ProviderOutageSettings.Steps steps = settings.steps();
        return switch (step) {
            case SWITCH_PROVIDER, SWITCH_BACK -> steps.switchProvider();
            case FALLBACK_MODE -> steps.fallbackMode().limits();
            case THROTTLE -> steps.throttle().limits();
            case RAMP, ROLLBACK -> steps.ramp().limits();
            case RESTORE_NORMAL -> steps.restoreNormal().limits();
        };
    }

    /**
     * Builds the action of the step named {@code stepName}, of kind {@code step}, for {@code target}, whose
     * instance is the provider's name.
     */
    public Object action(final ProviderOutageStep step, final String stepName, final Target target) {
        final ProviderOutageSettings.Steps steps = settings.steps();
        return switch (step) {
            case SWITCH_PROVIDER -> switchTo(target, backup().provider(), steps.switchProvider());
            case SWITCH_BACK -> switchTo(target, target.instance(), steps.switchProvider());
            case FALLBACK_MODE -> apply(SettingsPurpose.FALLBACK_MODE, target, steps.fallbackMode().values(), null);
            case THROTTLE -> apply(SettingsPurpose.THROTTLE, target, steps.throttle().values(), null);
            case RAMP -> ramp(target, ProviderOutageStep.rampPercent(stepName).orElseThrow(
                    () -> new IllegalArgumentException("not a ramp step: " + stepName)));
            // A rollback sends no traffic to the provider until it has been healthy again.
            case ROLLBACK -> ramp(target, 0);
            case RESTORE_NORMAL -> apply(SettingsPurpose.RESTORE_NORMAL, target, steps.restoreNormal().values(), null);
        };
    }

    private SwitchProvider switchTo(final Target target, final String provider, final StepLimits limits) {
        final ProviderOutageSettings.Api api = settings.api();
        return new SwitchProvider(target.namespace(), api.deployment(), api.container(), backup().envVar(), provider,
                actuatorTimeout(limits.deadline()));
    }

    private ApplySettings ramp(final Target target, final int percent) {
        final Map<String, String> values = Map.of(settings.steps().ramp().percentKey(), Integer.toString(percent));
        return apply(SettingsPurpose.RAMP, target, values, percent);
    }

    private ApplySettings apply(final SettingsPurpose purpose, final Target target, final Map<String, String> values,
                                final Integer trafficPercent) {
        final ProviderOutageSettings.Api api = settings.api();
        final boolean onDeployment = api.carrier() == ProviderOutageSettings.SettingsCarrier.DEPLOYMENT_ENV;
        return ApplySettings.newBuilder()
                .setPurpose(purpose)
                .setCarrier(onDeployment ? SettingsCarrier.DEPLOYMENT_ENV : SettingsCarrier.CONFIG_MAP)
                .setNamespace(target.namespace())
                .setName(api.settingsName())
                // A ConfigMap has no containers, so the container only travels with environment settings.
                .setContainer(onDeployment ? api.container() : null)
                // Sorted keys, so the same command serializes to the same bytes live and in a replay.
                .setValues(new TreeMap<>(values))
                .setTrafficPercent(trafficPercent)
                .build();
    }

    private ProviderOutageSettings.Backup backup() {
        if (settings.backup() == null) {
            throw new IllegalStateException("providerOutage has no backup provider to switch between");
        }
        return settings.backup();
    }

    private static long actuatorTimeout(final Duration deadline) {
        return (long) (deadline.toMillis() * ACTUATOR_SHARE_OF_DEADLINE);
    }
}
