package io.ragreactor.actuators.restore;

import java.time.Instant;

/**
 * One snapshot folder under the prefix as the selector judged it: its manifest's creation time when the
 * manifest could be read, and why it was not chosen (null for the chosen one).
 *
 * @param folder the folder name below the prefix, without the trailing slash
 * @param createdAt the manifest's {@code createdAt}, or null when there is no readable manifest
 * @param complete whether the manifest exists and lists only parts present with their listed sizes
 * @param note why the snapshot was skipped, or {@code chosen}
 */
public record SnapshotCandidate(String folder, Instant createdAt, boolean complete, String note) {
}
