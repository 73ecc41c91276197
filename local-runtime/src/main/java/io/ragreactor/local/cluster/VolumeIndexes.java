package io.ragreactor.local.cluster;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulation's record of the index on each PVC, keyed by {@code namespace/claim}. It is the
 * source of truth for exec, the retriever and restores; the PVC annotation only mirrors it.
 */
final class VolumeIndexes {

    private final Map<String, VolumeIndex> indexes = new ConcurrentHashMap<>();

    static String key(final String namespace, final String claim) {
        return namespace + "/" + claim;
    }

    Optional<VolumeIndex> get(final String namespace, final String claim) {
        return Optional.ofNullable(indexes.get(key(namespace, claim)));
    }

    void put(final String namespace, final String claim, final VolumeIndex index) {
        indexes.put(key(namespace, claim), index);
    }

    /** Records the index only when the claim has none yet, and returns the claim's index afterwards. */
    VolumeIndex putIfAbsent(final String namespace, final String claim, final VolumeIndex index) {
        final VolumeIndex previous = indexes.putIfAbsent(key(namespace, claim), index);
        return previous == null ? index : previous;
    }

    /** Forgets every claim whose key is not in the given set, because its PVC was deleted. */
    Set<String> retainOnly(final Set<String> existingKeys) {
        final Set<String> removed = new TreeSet<>(indexes.keySet());
        removed.removeAll(existingKeys);
        removed.forEach(indexes::remove);
        return removed;
    }
}
