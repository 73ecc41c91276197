package io.ragreactor.actuators.snapshots;

import java.time.Instant;
import java.util.List;

/**
 * One snapshot folder under a prefix, as the pruning judged it.
 *
 * @param folder the folder name below the prefix, without the trailing slash
 * @param keyPrefix the folder's key prefix: the listed prefix, the folder name and a slash
 * @param keys the full keys of the folder's objects other than the prune marker, the manifest first
 * @param createdAt the manifest's {@code createdAt}, or null when there is no readable manifest
 * @param complete whether the manifest exists and lists only parts present with their listed sizes
 * @param pruneMarker the command id in the folder's prune marker, or null when the folder has none
 * @param note why the folder is complete or not
 */
record SnapshotFolder(String folder, String keyPrefix, List<String> keys, Instant createdAt, boolean complete,
                      String pruneMarker, String note) {

    SnapshotFolder {
        keys = List.copyOf(keys);
    }
}
