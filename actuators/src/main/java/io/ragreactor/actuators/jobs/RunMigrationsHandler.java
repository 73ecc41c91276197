package io.ragreactor.actuators.jobs;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RunMigrations;
import java.util.Map;

/** Runs the schema migrations in a Job labelled with the command id and waits until the command's deadline for it to complete. */
public final class RunMigrationsHandler implements ActionHandler<RunMigrations> {

    private final CommandJobs jobs;

    public RunMigrationsHandler(final KubernetesClient client) {
        this.jobs = new CommandJobs(client);
    }

    @Override
    public Class<RunMigrations> actionType() {
        return RunMigrations.class;
    }

    @Override
    public void checkGuards(final RunMigrations action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        CommandJobs.checkGuards(action.getJob(), Map.of(), command, guards);
    }

    @Override
    public StepResult execute(final RunMigrations action, final ExecutionContext context) {
        return jobs.run(action.getNamespace(), action.getJob(), Map.of(), "migration", context);
    }
}
