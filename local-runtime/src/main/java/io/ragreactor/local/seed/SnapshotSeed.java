package io.ragreactor.local.seed;

import java.time.Instant;
import java.util.List;

/**
 * One snapshot uploaded for every shard under the shard's snapshot prefix.
 *
 * @param name the folder name below the shard's prefix, for example {@code 2026-11-29T01-00}
 * @param kind whether the upload finished with a manifest
 * @param createdAt the manifest's {@code createdAt}; null for an interrupted upload
 * @param parts the number of part objects uploaded
 * @param plannedParts the number of parts the interrupted upload meant to write; equals {@code parts} otherwise
 * @param omittedDocuments ids of shard documents this snapshot lacks, which makes older snapshots recognisable
 * @param recopied whether the snapshot is uploaded in a later second than every earlier entry, so that its
 *     LastModified is strictly newer
 */
public record SnapshotSeed(
        String name,
        Kind kind,
        Instant createdAt,
        int parts,
        int plannedParts,
        List<String> omittedDocuments,
        boolean recopied) {

    public SnapshotSeed {
        omittedDocuments = List.copyOf(omittedDocuments);
    }

    /** Whether a snapshot upload finished. */
    public enum Kind {
        /** Every part and then the manifest were uploaded. */
        COMPLETE,
        /** Some parts were uploaded and the manifest never was. */
        INTERRUPTED
    }
}
