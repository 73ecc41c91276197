package io.ragreactor.local.cluster;

import io.ragreactor.local.seed.Document;
import io.ragreactor.local.seed.IndexState;
import java.util.List;

/**
 * The vectorstore index stored on one simulated PVC.
 *
 * @param state whether the index opens
 * @param documents the indexed documents; a broken index may still list the documents it held
 * @param origin how the index got there, for logs and the PVC annotation, for example {@code seed} or
 *     {@code restored from s3://bucket/prefix/}
 */
public record VolumeIndex(IndexState state, List<Document> documents, String origin) {

    public VolumeIndex {
        documents = List.copyOf(documents);
    }

    /** Creates an index that fails its checksum and contains no readable document. */
    public static VolumeIndex broken(final String origin) {
        return new VolumeIndex(IndexState.BROKEN, List.of(), origin);
    }

    /** Returns whether the index opens. */
    public boolean healthy() {
        return state == IndexState.HEALTHY;
    }
}
