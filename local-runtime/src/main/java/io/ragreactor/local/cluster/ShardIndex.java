package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/**
 * The serving chain of a shard at one moment: its current Ready pod, the PVC that pod mounts as its index,
 * and the index on that PVC. Each part is empty when the previous one is missing.
 */
public record ShardIndex(String shard, Optional<Pod> pod, Optional<String> claim, Optional<VolumeIndex> index) {

    /** Returns whether a Ready pod serves the shard from a healthy index. */
    public boolean healthy() {
        return index.map(VolumeIndex::healthy).orElse(false);
    }
}
