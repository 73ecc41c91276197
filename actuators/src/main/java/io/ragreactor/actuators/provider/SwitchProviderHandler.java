package io.ragreactor.actuators.provider;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate.EnvRequest;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate.Result;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.SwitchProvider;
import io.ragreactor.schemas.common.Evidence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Points the API Deployment at another LLM provider by setting one environment variable to the provider's
 * name, then waits until the new pods are rolled out. Only the name changes: the provider's credentials must
 * already be in the pods, because secrets never travel in commands.
 */
public final class SwitchProviderHandler implements ActionHandler<SwitchProvider> {

    /** A provider name: letters, digits, '.', '_' and '-', so no secret, URL or shell text passes as one. */
    private static final Pattern PROVIDER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    private final DeploymentEnvUpdate update;

    public SwitchProviderHandler(final KubernetesClient client) {
        this.update = new DeploymentEnvUpdate(client);
    }

    @Override
    public Class<SwitchProvider> actionType() {
        return SwitchProvider.class;
    }

    @Override
    public void checkGuards(final SwitchProvider action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        guards.dnsSubdomain("deployment", action.getDeployment());
        if (action.getContainer() != null) {
            guards.dnsLabel("container", action.getContainer());
        }
        guards.envName("envName", action.getEnvName());
        guards.parameter(action.getEnvValue() != null && PROVIDER_NAME.matcher(action.getEnvValue()).matches(),
                "envValue", action.getEnvValue(), "must be a provider name: 1 to 253 letters, digits, '.', '_' or '-',"
                        + " starting with a letter or digit");
        guards.parameter(action.getReadyTimeoutMs() > 0, "readyTimeoutMs", action.getReadyTimeoutMs(),
                "must be positive");
    }

    @Override
    public StepResult execute(final SwitchProvider action, final ExecutionContext context) {
        final EnvRequest request = new EnvRequest(action.getNamespace(), action.getDeployment(), action.getContainer(),
                Map.of(action.getEnvName(), action.getEnvValue()));
        final Duration readyTimeout = Duration.ofMillis(action.getReadyTimeoutMs());
        final List<Evidence> evidence = new ArrayList<>();

        final Result result = update.apply(request,
                appliedAt -> new Deadline(context.clock(), appliedAt.plus(readyTimeout)), context, evidence);

        final String target = "deployments/" + action.getNamespace() + "/" + action.getDeployment();
        final String switched = action.getEnvName() + "=" + action.getEnvValue() + " on " + target;
        return switch (result.kind()) {
            case DRY_RUN -> StepResult.of(OutcomeReason.DRY_RUN, "dry run: would set " + switched
                    + " and wait up to " + readyTimeout.toMillis() + " ms for the rollout", evidence);
            case APPLIED -> StepResult.of(OutcomeReason.OK, "set " + switched + " and the rollout completed",
                    evidence);
            case ADOPTED -> StepResult.of(OutcomeReason.OK, "an earlier delivery of this command set " + switched
                    + "; the rollout completed", evidence);
            case ALREADY_SET -> StepResult.of(OutcomeReason.OK, switched + " was already set; nothing changed and"
                    + " the rollout is complete", evidence);
        };
    }
}
