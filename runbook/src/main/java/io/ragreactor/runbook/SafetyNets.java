package io.ragreactor.runbook;

import java.time.Duration;
import java.time.LocalTime;

/**
 * Scheduled work that keeps recoveries possible: daily shard snapshots, a monthly restore drill, and a probe
 * of the backup provider's credentials. Times of day are UTC.
 */
public record SafetyNets(Snapshots snapshots, RestoreDrill restoreDrill, CredentialProbe credentialProbe) {

    /**
     * A daily snapshot of every shard into the restore step's bucket and prefix. Pruning keeps
     * {@code retentionDays} of snapshots and at least {@code keepAtLeast} complete ones, and never prunes a
     * snapshot of a shard with an open incident.
     */
    public record Snapshots(boolean enabled, LocalTime at, int retentionDays, int keepAtLeast,
                            ShardDownSettings.JobTemplate job, Duration deadline) {
    }

    /** A monthly restore of each shard's newest complete snapshot into a scratch namespace, checked with golden queries. */
    public record RestoreDrill(boolean enabled, int dayOfMonth, LocalTime at, String scratchNamespace, Duration deadline) {
    }

    /**
     * A periodic authenticated request to the backup provider. {@code credentialRef} names the credential the
     * actuator holds; the secret itself is never in the runbook.
     */
    public record CredentialProbe(boolean enabled, Duration every, String provider, String probeUrl,
                                  String credentialRef, Duration deadline) {
    }
}
