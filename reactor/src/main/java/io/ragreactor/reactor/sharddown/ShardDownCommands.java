package io.ragreactor.reactor.sharddown;

import io.ragreactor.runbook.GoldenSet;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.runbook.Templates;
import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.ReindexMissingDocuments;
import io.ragreactor.schemas.command.ReintroduceShard;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.command.RouteToReplica;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.common.GoldenQuery;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Resolves the runbook's shard-down parameters into self-contained actions for one shard. Actuators then
 * execute exactly what the command contains, and a replay can compare exact actions.
 */
public final class ShardDownCommands {

    /**
     * Share of a step's deadline given to the actuator's own timeout, so that the actuator's timed-out
     * outcome normally arrives before the reactor gives up on the step.
     */
    static final double ACTUATOR_SHARE_OF_DEADLINE = 0.8;

    private final ShardDownSettings settings;

    public ShardDownCommands(final Runbook runbook) {
        this.settings = runbook.shardDown();
    }

    /** Deadline and attempts of a step. */
    public StepLimits limits(final ShardDownStep step) {
        final ShardDownSettings.Steps steps = settings.steps();
        return switch (step) {
            case MARK_UNHEALTHY -> steps.markUnhealthy();
            case ROUTE_TO_REPLICA -> steps.routeToReplica();
            case REOPEN -> steps.reopen().limits();
            case RESTORE -> steps.restore().limits();
            case VALIDATE -> steps.validate().limits();
            case REINTRODUCE -> steps.reintroduce();
            case REINDEX -> steps.reindex().limits();
        };
    }

    /** Builds the action of {@code step} for {@code target}; a reindex starts {@code firstSymptomAt} minus the lookback. */
    public Object action(final ShardDownStep step, final Target target, final Instant firstSymptomAt) {
        if (step == ShardDownStep.REINDEX) {
            final Map<String, String> values = Map.of("shard", target.instance(), "namespace", target.namespace());
            final ShardDownSettings.Reindex reindex = settings.steps().reindex();
            final ShardDownSettings.JobTemplate job = reindex.job();
            final JobSpec jobSpec = new JobSpec(Templates.render(job.namePrefixTemplate(), values), job.image(),
                    Templates.renderAll(job.command(), values), Map.of(), job.backoffLimit(),
                    job.activeDeadline().toSeconds());
            return new ReindexMissingDocuments(target.namespace(), target.instance(),
                    firstSymptomAt.minus(reindex.lookback()).toEpochMilli(), jobSpec);
        }
        return action(step, target);
    }

    /** Routes the shard's queries to {@code replica}. */
    public RouteToReplica routeToReplica(final Target target, final String replica) {
        return new RouteToReplica(target.namespace(), settings.registryConfigMap(), target.instance(), replica);
    }

    /** Builds the action of {@code step} for {@code target}; a reindex and a routing need more than the target. */
    public Object action(final ShardDownStep step, final Target target) {
        final String namespace = target.namespace();
        final String shard = target.instance();
        final Map<String, String> values = Map.of("shard", shard, "namespace", namespace);
        return switch (step) {
            case MARK_UNHEALTHY -> new MarkShardUnhealthy(namespace, settings.registryConfigMap(), shard);
            case REOPEN -> reopen(namespace, values);
            case RESTORE -> restore(namespace, shard, values);
            case VALIDATE -> validate(shard, values);
            case REINTRODUCE -> new ReintroduceShard(namespace, settings.registryConfigMap(), shard);
            case REINDEX -> throw new IllegalArgumentException("a reindex starts from the incident's first symptom");
            case ROUTE_TO_REPLICA -> throw new IllegalArgumentException("a routing names the replica: use routeToReplica()");
        };
    }

    private ReopenIndex reopen(final String namespace, final Map<String, String> values) {
        final ShardDownSettings.Reopen reopen = settings.steps().reopen();
        return new ReopenIndex(namespace, podSelector(values), settings.workload().container(),
                Templates.renderAll(reopen.argvTemplate(), values), actuatorTimeout(reopen.limits().deadline()),
                reopen.maxOutputBytes());
    }

    private RestoreSnapshot restore(final String namespace, final String shard, final Map<String, String> values) {
        final ShardDownSettings.Restore restore = settings.steps().restore();
        final ShardDownSettings.JobTemplate job = restore.job();
        final JobSpec jobSpec = new JobSpec(Templates.render(job.namePrefixTemplate(), values), job.image(),
                new ArrayList<>(job.command()), Map.of(), job.backoffLimit(), job.activeDeadline().toSeconds());
        final ShardDownSettings.Workload workload = settings.workload();
        return RestoreSnapshot.newBuilder()
                .setNamespace(namespace)
                .setShard(shard)
                .setBucket(restore.bucket())
                .setPrefix(Templates.render(restore.prefixTemplate(), values))
                .setWorkload(new WorkloadRef(workload.kind(), Templates.render(workload.nameTemplate(), values)))
                .setVolumeName(workload.indexVolume())
                .setPvcNamePrefix(Templates.render(restore.pvcNamePrefixTemplate(), values))
                .setStorageSize(restore.storageSize())
                .setStorageClassName(restore.storageClassName())
                .setJob(jobSpec)
                .setMountPath(restore.mountPath())
                .setSnapshotEnvVar(restore.snapshotEnvVar())
                .setPodSelector(podSelector(values))
                .setReadyTimeoutMs(actuatorTimeout(restore.limits().deadline()))
                .build();
    }

    private ValidateGoldenQueries validate(final String shard, final Map<String, String> values) {
        final ShardDownSettings.Validate validate = settings.steps().validate();
        final GoldenSet goldenSet = validate.goldenSet();
        final List<GoldenQuery> queries = new ArrayList<>();
        for (final GoldenSet.GoldenQuestion question : goldenSet.questions().subList(0, validate.queries())) {
            queries.add(new GoldenQuery(question.qid(), question.question(), new ArrayList<>(question.expectedIds())));
        }
        return new ValidateGoldenQueries(Templates.render(validate.retrieverUrl(), values), shard, goldenSet.topK(),
                goldenSet.minScore(), queries, validate.requestTimeout().toMillis());
    }

    private Map<String, String> podSelector(final Map<String, String> values) {
        return Templates.renderValues(settings.workload().podSelectorTemplate(), values);
    }

    private static long actuatorTimeout(final Duration deadline) {
        return (long) (deadline.toMillis() * ACTUATOR_SHARE_OF_DEADLINE);
    }
}
