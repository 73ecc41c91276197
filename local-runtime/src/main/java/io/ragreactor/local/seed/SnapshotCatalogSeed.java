package io.ragreactor.local.seed;

import java.util.List;

/** The snapshot bucket, the per-shard prefix template and the snapshots uploaded for every shard, in upload order. */
public record SnapshotCatalogSeed(String bucket, String prefixTemplate, List<SnapshotSeed> entries) {

    public SnapshotCatalogSeed {
        entries = List.copyOf(entries);
    }

    /** Returns the key prefix of a shard's snapshots, ending with a slash, for example {@code snapshots/shard-5/}. */
    public String prefix(final String shard) {
        final String prefix = prefixTemplate.replace(VectorstoreSeed.SHARD_PLACEHOLDER, shard);
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** Returns the key prefix of one snapshot of a shard, ending with a slash. */
    public String snapshotPrefix(final String shard, final String snapshotName) {
        return prefix(shard) + snapshotName + "/";
    }

    /** Returns the {@code s3://} URI of one snapshot of a shard, as a restore Job's env names it. */
    public String snapshotUri(final String shard, final String snapshotName) {
        return "s3://" + bucket + "/" + snapshotPrefix(shard, snapshotName);
    }
}
