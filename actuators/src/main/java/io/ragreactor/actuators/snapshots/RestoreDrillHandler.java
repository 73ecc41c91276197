package io.ragreactor.actuators.snapshots;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.actuators.restore.RestoreSnapshotHandler;
import io.ragreactor.actuators.restore.SnapshotSelector;
import io.ragreactor.actuators.validate.GoldenQueryHandler;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RestoreDrill;
import io.ragreactor.schemas.common.Evidence;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Rehearses a restore: runs the restore handler on the drill's restore, which must aim at the scratch
 * namespace, then the golden-query handler on the restored shard. The outcome is the validation's, with the
 * evidence of both steps. The restore keeps what it creates in the scratch namespace, as every restore does.
 */
public final class RestoreDrillHandler implements ActionHandler<RestoreDrill> {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreDrillHandler.class);

    private final RestoreSnapshotHandler restore;
    private final GoldenQueryHandler validation;

    public RestoreDrillHandler(final KubernetesClient client, final S3Client s3, final HttpClient http) {
        this.restore = new RestoreSnapshotHandler(client, new SnapshotSelector(s3));
        this.validation = new GoldenQueryHandler(http);
    }

    @Override
    public Class<RestoreDrill> actionType() {
        return RestoreDrill.class;
    }

    @Override
    public void checkGuards(final RestoreDrill action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        final String scratch = action.getScratchNamespace();
        guards.namespace("scratchNamespace", scratch);
        guards.parameter(scratch.equals(action.getRestore().getNamespace()), "restore.namespace",
                action.getRestore().getNamespace(), "must equal scratchNamespace [" + scratch
                        + "], because a drill restores into its scratch namespace only");
        final String targetNamespace = namespaceOfTarget(command.getTarget());
        guards.parameter(!scratch.equals(targetNamespace), "scratchNamespace", scratch,
                "must differ from the namespace of the target " + command.getTarget()
                        + ", because a drill must not repoint the workload it rehearses");
        guards.parameter(action.getValidation().getShard().equals(action.getRestore().getShard()),
                "validation.shard", action.getValidation().getShard(), "must equal restore.shard ["
                        + action.getRestore().getShard() + "], so the queries check the restored shard");
        final String retrieverNamespace = clusterNamespaceOf(action.getValidation().getRetrieverUrl());
        guards.parameter(retrieverNamespace == null || retrieverNamespace.equals(scratch), "validation.retrieverUrl",
                action.getValidation().getRetrieverUrl(), "names a service in namespace [" + retrieverNamespace
                        + "], not in scratchNamespace [" + scratch + "]");
        restore.checkGuards(action.getRestore(), command, guards);
        validation.checkGuards(action.getValidation(), command, guards);
    }

    @Override
    public StepResult execute(final RestoreDrill action, final ExecutionContext context) {
        // Restore first. A failed or timed-out restore ends the drill with its own reason.
        final StepResult restored;
        try {
            restored = restore.execute(action.getRestore(), context);
        } catch (final StepFailure e) {
            final StepResult failed = e.result();
            return StepResult.of(failed.reason(), "drill restore into " + action.getScratchNamespace() + " failed: "
                    + failed.detail(), failed.evidence());
        }
        final List<Evidence> evidence = new ArrayList<>(restored.evidence());
        if (restored.reason() != OutcomeReason.OK && restored.reason() != OutcomeReason.DRY_RUN) {
            return StepResult.of(restored.reason(), "drill restore into " + action.getScratchNamespace()
                    + " failed: " + restored.detail(), evidence);
        }

        // Then check the restored shard with the golden queries.
        final StepResult validated = validation.execute(action.getValidation(), context);
        evidence.addAll(validated.evidence());
        LOG.info("Restore drill finished: scratchNamespace=[{}] shard=[{}] validation=[{}] {}",
                action.getScratchNamespace(), action.getRestore().getShard(), validated.reason().code(), context);
        if (context.dryRun()) {
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: drill in " + action.getScratchNamespace() + ": "
                    + restored.detail() + "; " + validated.detail(), evidence);
        }
        return StepResult.of(validated.reason(), "drill in " + action.getScratchNamespace() + ": "
                + restored.detail() + "; " + validated.detail(), evidence);
    }

    /** Returns the namespace part of a {@code namespace/component/instance} target, or null when it has none. */
    static String namespaceOfTarget(final String target) {
        final int slash = target == null ? -1 : target.indexOf('/');
        return slash <= 0 ? null : target.substring(0, slash);
    }

    /**
     * Returns the namespace of a cluster service URL such as {@code http://retriever.rag-drill.svc:8080}, or null
     * when the host is not of the form {@code <service>.<namespace>.svc[.<cluster domain>]}.
     */
    static String clusterNamespaceOf(final String url) {
        final String host;
        try {
            host = URI.create(url).getHost();
        } catch (final IllegalArgumentException e) {
            return null;
        }
        if (host == null) {
            return null;
        }
        final String[] labels = host.toLowerCase(Locale.ROOT).split("\\.");
        return labels.length >= 3 && "svc".equals(labels[2]) ? labels[1] : null;
    }
}
