package io.ragreactor.actuators.restore;

import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.snapshots.SnapshotManifests;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Chooses the snapshot to restore: the newest complete one by its manifest's {@code createdAt}, by the rule of
 * {@link SnapshotManifests}. A manifest that names another shard is skipped.
 */
public final class SnapshotSelector {

    /** Object name of a snapshot's manifest inside its folder. */
    public static final String MANIFEST = SnapshotManifests.MANIFEST;

    private final SnapshotManifests manifests;

    public SnapshotSelector(final S3Client s3) {
        this.manifests = new SnapshotManifests(s3);
    }

    /** Lists {@code bucket}/{@code prefix}, reads the manifests and returns the choice with the reason for every candidate. */
    public SnapshotChoice choose(final String bucket, final String prefix, final String shard,
                                 final ExecutionContext context) {
        // A listing cut at its limit still contains the complete snapshots it found, so the choice goes on with them.
        final Map<String, Map<String, Long>> folders = manifests.listFolders(bucket, prefix, context).folders();
        final List<SnapshotCandidate> judged = new ArrayList<>();
        for (final Map.Entry<String, Map<String, Long>> folder : folders.entrySet()) {
            judged.add(judge(bucket, prefix, shard, folder.getKey(), folder.getValue(), context));
        }
        final Optional<SnapshotCandidate> newest = judged.stream()
                .filter(SnapshotCandidate::complete)
                .max(Comparator.comparing(SnapshotCandidate::createdAt).thenComparing(SnapshotCandidate::folder));
        final List<SnapshotCandidate> candidates = new ArrayList<>();
        for (final SnapshotCandidate candidate : judged) {
            if (newest.isPresent() && candidate == newest.get()) {
                candidates.add(new SnapshotCandidate(candidate.folder(), candidate.createdAt(), true, "chosen"));
            } else if (candidate.complete()) {
                candidates.add(new SnapshotCandidate(candidate.folder(), candidate.createdAt(), true,
                        "complete, but older than the chosen snapshot"));
            } else {
                candidates.add(candidate);
            }
        }
        final Optional<SnapshotCandidate> chosen = candidates.stream().filter(c -> "chosen".equals(c.note())).findFirst();
        return new SnapshotChoice(bucket, prefix, chosen, candidates);
    }

    private SnapshotCandidate judge(final String bucket, final String prefix, final String shard, final String folder,
                                    final Map<String, Long> objects, final ExecutionContext context) {
        final SnapshotManifests.Verdict verdict = manifests.judge(bucket, prefix + folder + "/", objects, context);
        if (verdict.shard() != null && !shard.equals(verdict.shard())) {
            return new SnapshotCandidate(folder, verdict.createdAt(), false, "skipped: " + MANIFEST
                    + " belongs to shard " + verdict.shard());
        }
        if (!verdict.complete()) {
            return new SnapshotCandidate(folder, verdict.createdAt(), false, "skipped: " + verdict.note());
        }
        return new SnapshotCandidate(folder, verdict.createdAt(), true, verdict.note());
    }
}
