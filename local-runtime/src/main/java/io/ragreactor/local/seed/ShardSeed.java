package io.ragreactor.local.seed;

/** A vectorstore shard and the state of the index on its seeded PVC. */
public record ShardSeed(String name, IndexState index) {
}
