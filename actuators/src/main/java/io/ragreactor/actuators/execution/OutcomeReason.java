package io.ragreactor.actuators.execution;

import io.ragreactor.schemas.outcome.OutcomeStatus;

/**
 * Reason codes of recovery outcomes. Each reason maps to exactly one outcome status, so the status and
 * the {@code reason} field of an outcome always agree.
 */
public enum OutcomeReason {
    /** The step did what the command asked, or found it already done. */
    OK("ok", OutcomeStatus.SUCCEEDED),
    /** A dry run listed the calls it would make and changed nothing. */
    DRY_RUN("dry-run", OutcomeStatus.SUCCEEDED),
    /** An escalation was logged for a human, because its channel is not configured. */
    ESCALATION_RECORDED("escalation-recorded", OutcomeStatus.SUCCEEDED),
    /** An escalation was delivered to its channel, which replied with a 2xx status. */
    ESCALATION_DELIVERED("escalation-delivered", OutcomeStatus.SUCCEEDED),
    /** The escalation's channel replied with another status or could not be reached. */
    CHANNEL_FAILED("channel-failed", OutcomeStatus.FAILED),
    /** The executed process exited with a code other than 0. */
    NON_ZERO_EXIT("non-zero-exit", OutcomeStatus.FAILED),
    /** The exec stream closed without the status that carries the exit code. */
    NO_EXIT_STATUS("no-exit-status", OutcomeStatus.FAILED),
    /** The exec connection to the pod could not be opened. */
    EXEC_FAILED("exec-failed", OutcomeStatus.FAILED),
    /** An earlier delivery of the command started its exec and stopped before the result, so it is not run again. */
    EXEC_RESULT_UNKNOWN("exec-result-unknown", OutcomeStatus.FAILED),
    /** No pod matching the selector is Ready. */
    NO_READY_POD("no-ready-pod", OutcomeStatus.FAILED),
    /** A resource the command names does not exist. */
    NOT_FOUND("not-found", OutcomeStatus.FAILED),
    /** The workload's pod template has no volume with the command's volume name. */
    VOLUME_NOT_FOUND("volume-not-found", OutcomeStatus.FAILED),
    /** A resource with the derived name exists but belongs to another command. */
    NAME_CONFLICT("name-conflict", OutcomeStatus.FAILED),
    /** No snapshot under the prefix has a manifest whose parts are all present with their listed sizes. */
    NO_COMPLETE_SNAPSHOT("no-complete-snapshot", OutcomeStatus.FAILED),
    /** The Job reached its Failed condition. */
    JOB_FAILED("job-failed", OutcomeStatus.FAILED),
    /** At least one golden query did not return an expected document in its top k at or above the minimum score. */
    VALIDATION_FAILED("validation-failed", OutcomeStatus.FAILED),
    /** A workload did not become Ready: its rollout failed or its pods are not Ready. */
    WORKLOAD_NOT_READY("workload-not-ready", OutcomeStatus.FAILED),
    /** A provider rejected the credentials of a probe (HTTP 401 or 403). */
    CREDENTIALS_REJECTED("credentials-rejected", OutcomeStatus.FAILED),
    /** A probe of a provider failed for another reason: another HTTP status, or the provider could not be reached. */
    PROBE_FAILED("probe-failed", OutcomeStatus.FAILED),
    /** The replica named for routing is not healthy in the shard registry. */
    REPLICA_NOT_HEALTHY("replica-not-healthy", OutcomeStatus.FAILED),
    /** A listing found far more objects than one shard's snapshots, so nothing was deleted. */
    LISTING_TOO_LARGE("listing-too-large", OutcomeStatus.FAILED),
    /** The Kubernetes API rejected a call or could not be reached. */
    KUBERNETES_ERROR("kubernetes-error", OutcomeStatus.FAILED),
    /** S3 rejected a call or could not be reached. */
    S3_ERROR("s3-error", OutcomeStatus.FAILED),
    /** The actuator failed for a reason of its own; the detail names the exception. */
    INTERNAL_ERROR("internal-error", OutcomeStatus.FAILED),
    /** The step's timeout passed before it finished. */
    DEADLINE_PASSED("deadline-passed", OutcomeStatus.TIMED_OUT),
    /** A name from the command is not a valid Kubernetes name or label. */
    INVALID_NAME("invalid-name", OutcomeStatus.REJECTED_BY_GUARD),
    /** A parameter other than a name is out of range or malformed. */
    INVALID_PARAMETER("invalid-parameter", OutcomeStatus.REJECTED_BY_GUARD),
    /** The command's namespace is not in the configured allowed namespaces. */
    NAMESPACE_NOT_ALLOWED("namespace-not-allowed", OutcomeStatus.REJECTED_BY_GUARD),
    /** This actuator does not execute the command's action type. */
    UNSUPPORTED_ACTION("unsupported-action", OutcomeStatus.REJECTED_BY_GUARD);

    private final String code;
    private final OutcomeStatus status;

    OutcomeReason(final String code, final OutcomeStatus status) {
        this.code = code;
        this.status = status;
    }

    /** The machine-readable code written to the outcome's {@code reason} field. */
    public String code() {
        return code;
    }

    /** The outcome status this reason implies. */
    public OutcomeStatus status() {
        return status;
    }
}
