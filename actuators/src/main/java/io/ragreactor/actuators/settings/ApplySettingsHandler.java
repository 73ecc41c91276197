package io.ragreactor.actuators.settings;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate.EnvRequest;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate.Result;
import io.ragreactor.schemas.command.ApplySettings;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.SettingsCarrier;
import io.ragreactor.schemas.command.SettingsPurpose;
import io.ragreactor.schemas.common.Evidence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes runtime settings of the RAG API: keys of a ConfigMap (merged, other keys kept), or environment
 * variables of a Deployment followed by a wait for its rollout. Both carriers compare the current values first
 * and change nothing when they already match, so a re-delivered command repeats no change.
 */
public final class ApplySettingsHandler implements ActionHandler<ApplySettings> {

    /** Annotation on the ConfigMap naming the command that last changed it. */
    public static final String LAST_COMMAND_ANNOTATION = "ragreactor.io/last-command-id";
    /**
     * Share of the command's time budget (issuedAt to deadline) that a Deployment rollout may use. The rest is
     * left for publishing the outcome before the reactor counts the step as timed out.
     */
    static final double ROLLOUT_SHARE_OF_BUDGET = 0.8;

    private static final Logger LOG = LoggerFactory.getLogger(ApplySettingsHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CONFIG_MAP_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final int CONFIG_MAP_KEY_MAX = 253;

    private final KubernetesClient client;
    private final DeploymentEnvUpdate update;

    public ApplySettingsHandler(final KubernetesClient client) {
        this.client = client;
        this.update = new DeploymentEnvUpdate(client);
    }

    @Override
    public Class<ApplySettings> actionType() {
        return ApplySettings.class;
    }

    @Override
    public void checkGuards(final ApplySettings action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        guards.dnsSubdomain("name", action.getName());
        guards.parameter(!action.getValues().isEmpty(), "values", action.getValues(), "must set at least one key");
        if (action.getCarrier() == SettingsCarrier.CONFIG_MAP) {
            for (final String key : action.getValues().keySet()) {
                guards.parameter(isConfigMapKey(key), "values key", key, "must be a ConfigMap key: 1 to "
                        + CONFIG_MAP_KEY_MAX + " characters of a-z, A-Z, 0-9, '-', '_' and '.', other than '.' and '..'");
            }
        } else {
            if (action.getContainer() != null) {
                guards.dnsLabel("container", action.getContainer());
            }
            for (final String key : action.getValues().keySet()) {
                guards.envName("values key", key);
            }
            guards.parameter(command.getDeadline().isAfter(command.getIssuedAt()), "deadline", command.getDeadline(),
                    "must be after issuedAt " + command.getIssuedAt() + ", because the rollout wait is a share of"
                            + " that time");
        }
        final Integer percent = action.getTrafficPercent();
        guards.parameter(percent == null || percent >= 0 && percent <= 100, "trafficPercent", percent,
                "must be between 0 and 100");
        guards.parameter(action.getPurpose() != SettingsPurpose.RAMP || percent != null, "trafficPercent", null,
                "must be set for a RAMP step");
    }

    @Override
    public StepResult execute(final ApplySettings action, final ExecutionContext context) {
        final List<Evidence> evidence = new ArrayList<>();
        if (action.getTrafficPercent() != null) {
            evidence.add(Evidences.of("traffic", action.getNamespace() + "/" + action.getName(),
                    action.getPurpose() + ": " + action.getTrafficPercent() + " % of traffic to the provider"));
        }
        if (action.getCarrier() == SettingsCarrier.CONFIG_MAP) {
            return applyToConfigMap(action, context, evidence);
        }
        return applyToDeployment(action, context, evidence);
    }

    private StepResult applyToConfigMap(final ApplySettings action, final ExecutionContext context,
                                        final List<Evidence> evidence) {
        final String resource = "configmaps/" + action.getNamespace() + "/" + action.getName();

        // Check state first: a re-delivered command finds its values already set.
        final ConfigMap configMap = client.configMaps().inNamespace(action.getNamespace()).withName(action.getName())
                .get();
        context.recordCall("GET " + resource);
        if (configMap == null) {
            // Creating it would hide a wrong name: the API reads settings only from the ConfigMap it was given.
            return StepResult.of(OutcomeReason.NOT_FOUND, resource + " does not exist", evidence);
        }
        final Map<String, String> data = configMap.getData() == null ? Map.of() : configMap.getData();
        final Map<String, String> changed = new TreeMap<>();
        final List<String> lines = new ArrayList<>();
        for (final Map.Entry<String, String> entry : new TreeMap<>(action.getValues()).entrySet()) {
            final String old = data.get(entry.getKey());
            lines.add(entry.getKey() + ": " + (old == null ? "(unset)" : "\"" + old + "\"") + " -> \""
                    + entry.getValue() + "\"");
            if (!entry.getValue().equals(old)) {
                changed.put(entry.getKey(), entry.getValue());
            }
        }
        evidence.add(Evidences.of("settings-change", resource, String.join("\n", lines)));
        if (changed.isEmpty()) {
            return StepResult.of(OutcomeReason.OK, "all " + lines.size() + " keys already have their values in "
                    + resource + "; nothing changed", evidence);
        }

        final String call = "PATCH " + resource;
        if (context.dryRun()) {
            context.recordCall(call);
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would set " + changed.keySet() + " in " + resource,
                    evidence);
        }
        client.configMaps().inNamespace(action.getNamespace()).withName(action.getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch(changed, context.commandId()));
        context.recordSideEffect(call);
        LOG.info("Settings changed: configMap=[{}] purpose=[{}] keys=[{}] {}", resource, action.getPurpose(),
                changed.keySet(), context);
        return StepResult.of(OutcomeReason.OK, "set " + assignments(changed) + " in " + resource + " ("
                + purpose(action) + ")", evidence);
    }

    private StepResult applyToDeployment(final ApplySettings action, final ExecutionContext context,
                                         final List<Evidence> evidence) {
        final EnvRequest request = new EnvRequest(action.getNamespace(), action.getName(), action.getContainer(),
                action.getValues());
        final Deadline deadline = rolloutDeadline(context.command(), context);
        final Result result = update.apply(request, appliedAt -> deadline, context, evidence);

        final String target = "deployments/" + action.getNamespace() + "/" + action.getName();
        final String keys = new TreeMap<>(action.getValues()).keySet().toString();
        return switch (result.kind()) {
            case DRY_RUN -> StepResult.of(OutcomeReason.DRY_RUN, "dry run: would set " + keys + " on " + target
                    + " and wait for the rollout until " + deadline.at(), evidence);
            case APPLIED -> StepResult.of(OutcomeReason.OK, "set " + assignments(action.getValues()) + " on " + target
                    + " (" + purpose(action) + ") and the rollout completed", evidence);
            case ADOPTED -> StepResult.of(OutcomeReason.OK, "an earlier delivery of this command set " + keys + " on "
                    + target + "; the rollout completed", evidence);
            case ALREADY_SET -> StepResult.of(OutcomeReason.OK, keys + " already had their values on " + target
                    + "; nothing changed and the rollout is complete", evidence);
        };
    }

    /**
     * Returns the end of the rollout wait: {@value #ROLLOUT_SHARE_OF_BUDGET} of the way from the command's
     * issuedAt to its deadline. It depends on the command only, so a re-delivery gets the same deadline.
     */
    static Deadline rolloutDeadline(final RecoveryCommand command, final ExecutionContext context) {
        final Duration budget = Duration.between(command.getIssuedAt(), command.getDeadline());
        final Instant end = command.getIssuedAt().plusMillis((long) (budget.toMillis() * ROLLOUT_SHARE_OF_BUDGET));
        return new Deadline(context.clock(), end);
    }

    private static boolean isConfigMapKey(final String key) {
        return key != null && key.length() <= CONFIG_MAP_KEY_MAX && CONFIG_MAP_KEY.matcher(key).matches()
                && !".".equals(key) && !"..".equals(key);
    }

    private static String mergePatch(final Map<String, String> changed, final String commandId) {
        final ObjectNode patch = JSON.createObjectNode();
        final ObjectNode data = patch.putObject("data");
        changed.forEach(data::put);
        patch.putObject("metadata").putObject("annotations").put(LAST_COMMAND_ANNOTATION, commandId);
        return patch.toString();
    }

    /** Lists settings as {@code KEY=value} pairs in key order; settings are configuration, not secrets. */
    private static String assignments(final Map<String, String> values) {
        return new TreeMap<>(values).entrySet().stream()
                .map(entry -> entry.getKey() + "=" + entry.getValue())
                .collect(Collectors.joining(", "));
    }

    /** Names the purpose the way the runbook's steps do, for example {@code ramp} or {@code fallback-mode}. */
    private static String purpose(final ApplySettings action) {
        return action.getPurpose().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
