package io.ragreactor.local.snapshots;

import io.ragreactor.local.seed.Document;
import java.util.List;

/**
 * The result of reading a snapshot from S3: its documents when it is complete, otherwise why not.
 *
 * @param outcome whether the snapshot is complete, or the first problem found
 * @param documents the documents of every part; empty unless the snapshot is complete
 * @param detail a human-readable explanation naming the object at fault
 */
public record SnapshotRead(Outcome outcome, List<Document> documents, String detail) {

    public SnapshotRead {
        documents = List.copyOf(documents);
    }

    /** Whether a snapshot could be restored, or the reason it cannot. */
    public enum Outcome {
        /** The manifest exists and every part it lists is present with the listed size. */
        COMPLETE,
        /** The URI is not of the form {@code s3://bucket/prefix/}. */
        INVALID_URI,
        /** No {@code manifest.json} under the prefix: an interrupted or missing upload. */
        MANIFEST_MISSING,
        /** The manifest is not valid JSON of the expected shape. */
        MANIFEST_INVALID,
        /** A part the manifest lists is not in the bucket. */
        PART_MISSING,
        /** A part's size differs from the size the manifest lists. */
        PART_SIZE_MISMATCH,
        /** A part's content is not a list of documents, or their count differs from the manifest's. */
        PART_INVALID,
        /** The S3 endpoint failed the request or the bucket does not exist. */
        UNREADABLE
    }

    /** Returns whether the snapshot is complete, so that its documents can be restored. */
    public boolean complete() {
        return outcome == Outcome.COMPLETE;
    }

    static SnapshotRead failed(final Outcome outcome, final String detail) {
        return new SnapshotRead(outcome, List.of(), detail);
    }
}
