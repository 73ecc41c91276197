package io.ragreactor.reactor.bootstrapdeadlock;

import io.ragreactor.runbook.BootstrapDeadlockSettings;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.runbook.Templates;
import io.ragreactor.schemas.command.InspectBootstrap;
import io.ragreactor.schemas.command.RunMigrations;
import io.ragreactor.schemas.command.StartInOrder;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.common.WorkloadRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the runbook's bootstrap-deadlock parameters into self-contained actions. Workload names and pod
 * selectors come from the runbook's list of workloads, never from the health event, so a command only
 * names resources the operator listed.
 */
public final class BootstrapDeadlockCommands {

    private final BootstrapDeadlockSettings settings;

    public BootstrapDeadlockCommands(final Runbook runbook) {
        this.settings = runbook.bootstrapDeadlock();
    }

    /** Deadline and attempts of a step. */
    public StepLimits limits(final BootstrapDeadlockStep step) {
        final BootstrapDeadlockSettings.Steps steps = settings.steps();
        return switch (step) {
            case INSPECT -> steps.inspect().limits();
            case RUN_MIGRATIONS -> steps.runMigrations().limits();
            case START_IN_ORDER -> steps.startInOrder().limits();
            case RESTART_ONE_BY_ONE -> steps.restartOneByOne().limits();
        };
    }

    /** Builds the action of {@code step} for {@code workload}, a workload the runbook lists, in {@code namespace}. */
    public Object action(final BootstrapDeadlockStep step, final String namespace,
                         final BootstrapDeadlockSettings.Workload workload) {
        return switch (step) {
            case INSPECT -> inspect(namespace, workload);
            case RUN_MIGRATIONS -> runMigrations(namespace);
            case START_IN_ORDER -> startInOrder(namespace, false);
            case RESTART_ONE_BY_ONE -> startInOrder(namespace, true);
        };
    }

    private InspectBootstrap inspect(final String namespace, final BootstrapDeadlockSettings.Workload workload) {
        final BootstrapDeadlockSettings.Inspect inspect = settings.steps().inspect();
        return new InspectBootstrap(namespace, reference(workload), new LinkedHashMap<>(workload.podSelector()),
                new ArrayList<>(inspect.jobNames()), inspect.maxLogBytes());
    }

    private RunMigrations runMigrations(final String namespace) {
        final ShardDownSettings.JobTemplate job = settings.steps().runMigrations().job();
        // NOTE: the runbook reader accepts {shard} in any job name, but a migration Job has no shard, so
        // rendering such a name fails here.
        final String namePrefix = Templates.render(job.namePrefixTemplate(), Map.of("namespace", namespace));
        return new RunMigrations(namespace, new JobSpec(namePrefix, job.image(), new ArrayList<>(job.command()),
                Map.of(), job.backoffLimit(), job.activeDeadline().toSeconds()));
    }

    /** Lists every workload in the runbook's order, which is the start order, the controller first. */
    private StartInOrder startInOrder(final String namespace, final boolean scaleDownFirst) {
        final List<WorkloadRef> order = new ArrayList<>(settings.workloads().size());
        for (final BootstrapDeadlockSettings.Workload workload : settings.workloads()) {
            order.add(reference(workload));
        }
        return new StartInOrder(namespace, order, scaleDownFirst,
                settings.steps().startInOrder().readyTimeout().toMillis());
    }

    private static WorkloadRef reference(final BootstrapDeadlockSettings.Workload workload) {
        return new WorkloadRef(workload.kind(), workload.name());
    }
}
