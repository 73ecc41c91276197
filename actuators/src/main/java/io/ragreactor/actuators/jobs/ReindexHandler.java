package io.ragreactor.actuators.jobs;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReindexMissingDocuments;
import java.time.Instant;
import java.util.Map;

/**
 * Runs the indexer's reindex Job for one shard and waits until the command's deadline for it to complete. The Job
 * gets the shard in {@value #SHARD_ENV} and the time after which documents changed, as ISO-8601 UTC, in
 * {@value #SINCE_ENV}.
 */
public final class ReindexHandler implements ActionHandler<ReindexMissingDocuments> {

    /** Variable with the shard to reindex. */
    public static final String SHARD_ENV = "SHARD";
    /** Variable with the time after which changed documents are reindexed, for example 2026-11-29T01:00:00Z. */
    public static final String SINCE_ENV = "REINDEX_SINCE";

    private final CommandJobs jobs;

    public ReindexHandler(final KubernetesClient client) {
        this.jobs = new CommandJobs(client);
    }

    @Override
    public Class<ReindexMissingDocuments> actionType() {
        return ReindexMissingDocuments.class;
    }

    @Override
    public void checkGuards(final ReindexMissingDocuments action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        guards.dnsLabel("shard", action.getShard());
        guards.parameter(action.getSinceEpochMs() >= 0, "sinceEpochMs", action.getSinceEpochMs(),
                "must not be negative");
        CommandJobs.checkGuards(action.getJob(), env(action), command, guards);
    }

    @Override
    public StepResult execute(final ReindexMissingDocuments action, final ExecutionContext context) {
        return jobs.run(action.getNamespace(), action.getJob(), env(action), "reindex", context);
    }

    private static Map<String, String> env(final ReindexMissingDocuments action) {
        return Map.of(SHARD_ENV, action.getShard(), SINCE_ENV, Instant.ofEpochMilli(action.getSinceEpochMs()).toString());
    }
}
