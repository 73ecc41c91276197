package io.ragreactor.local.snapshots;

import java.util.List;

/**
 * The {@code manifest.json} a finished snapshot upload writes last: the shard, when the snapshot was
 * taken, how many documents it holds, and every part with its size in bytes.
 */
public record SnapshotManifest(String shard, String createdAt, long docCount, List<Part> parts) {

    /** The file name of the manifest inside a snapshot's prefix. */
    public static final String FILE_NAME = "manifest.json";

    public SnapshotManifest {
        parts = parts == null ? List.of() : List.copyOf(parts);
    }

    /** One part object of a snapshot, named relative to the snapshot's prefix. */
    public record Part(String name, long size) {
    }
}
