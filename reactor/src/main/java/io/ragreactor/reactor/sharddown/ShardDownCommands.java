package io.ragreactor.reactor.sharddown;

import io.ragreactor.runbook.GoldenSet;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.ShardDownSettings;
import io.ragreactor.runbook.StepLimits;
import io.ragreactor.runbook.Templates;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.ReintroduceShard;
import io.ragreactor.schemas.command.ReopenIndex;
import io.ragreactor.schemas.command.RestoreSnapshot;
import io.ragreactor.schemas.command.ValidateGoldenQueries;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.GoldenQuery;
import io.ragreactor.schemas.common.JobSpec;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.target.Target;
import java.time.Duration;
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

    private final Runbook runbook;
    private final ShardDownSettings settings;

    public ShardDownCommands(final Runbook runbook) {
        this.runbook = runbook;
        this.settings = runbook.shardDown();
    }

    /** Deadline and attempts of a step. */
    public StepLimits limits(final ShardDownStep step) {
        final ShardDownSettings.Steps steps = settings.steps();
        return switch (step) {
            case MARK_UNHEALTHY -> steps.markUnhealthy();
            case REOPEN -> steps.reopen().limits();
            case RESTORE -> steps.restore().limits();
            case VALIDATE -> steps.validate().limits();
            case REINTRODUCE -> steps.reintroduce();
            // An escalation is retried once if the channel does not confirm it in time.
            case ESCALATE -> new StepLimits(runbook.escalation().deadline(), 2);
        };
    }

    /** Builds the action of {@code step} for {@code target}; escalations use {@link #escalate} instead. */
    public Object action(final ShardDownStep step, final Target target) {
        final String namespace = target.namespace();
        final String shard = target.instance();
        final Map<String, String> values = Map.of("shard", shard, "namespace", namespace);
        return switch (step) {
            case MARK_UNHEALTHY -> new MarkShardUnhealthy(namespace, settings.registryConfigMap(), shard);
            case REOPEN -> reopen(namespace, values);
            case RESTORE -> restore(namespace, shard, values);
            case VALIDATE -> validate(shard);
            case REINTRODUCE -> new ReintroduceShard(namespace, settings.registryConfigMap(), shard);
            case ESCALATE -> throw new IllegalArgumentException("escalations carry evidence: use escalate()");
        };
    }

    public Escalate escalate(final String summary, final List<Evidence> evidence) {
        return new Escalate(runbook.escalation().channel(), runbook.escalation().severity(), summary,
                new ArrayList<>(evidence));
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

    private ValidateGoldenQueries validate(final String shard) {
        final ShardDownSettings.Validate validate = settings.steps().validate();
        final GoldenSet goldenSet = validate.goldenSet();
        final List<GoldenQuery> queries = new ArrayList<>();
        for (final GoldenSet.GoldenQuestion question : goldenSet.questions().subList(0, validate.queries())) {
            queries.add(new GoldenQuery(question.qid(), question.question(), new ArrayList<>(question.expectedIds())));
        }
        return new ValidateGoldenQueries(validate.retrieverUrl(), shard, goldenSet.topK(), goldenSet.minScore(),
                queries, validate.requestTimeout().toMillis());
    }

    private Map<String, String> podSelector(final Map<String, String> values) {
        return Templates.renderValues(settings.workload().podSelectorTemplate(), values);
    }

    private static long actuatorTimeout(final Duration deadline) {
        return (long) (deadline.toMillis() * ACTUATOR_SHARE_OF_DEADLINE);
    }
}
