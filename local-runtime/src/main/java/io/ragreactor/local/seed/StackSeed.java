package io.ragreactor.local.seed;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The simulated RAG stack as the seed file describes it: workloads, vectorstore shards and their index
 * state, the shard registry, the restore Job's recognition, the S3 snapshots, the document corpus, and,
 * when the seed has them, the RAG API and the start-up state of the database schema.
 * {@link SeedLoader} reads it from YAML.
 */
public record StackSeed(
        String namespace,
        List<WorkloadSeed> workloads,
        VectorstoreSeed vectorstore,
        String shardRegistryConfigMap,
        RestoreSeed restore,
        SnapshotCatalogSeed snapshots,
        List<DocumentSeed> documents,
        Optional<ApiSeed> api,
        Optional<BootstrapSeed> bootstrap) {

    public StackSeed {
        workloads = List.copyOf(workloads);
        documents = List.copyOf(documents);
    }

    /** Finds the workload of that name, if the seed has one. */
    public Optional<WorkloadSeed> workload(final String name) {
        return workloads.stream().filter(workload -> workload.name().equals(name)).findFirst();
    }

    /** Lists the names of the vectorstore shards, in seed order. */
    public List<String> shardNames() {
        return vectorstore.shards().stream().map(ShardSeed::name).toList();
    }

    /** Lists the documents of one shard's corpus, in seed order. */
    public List<Document> documentsOf(final String shard) {
        return documents.stream().filter(document -> document.belongsTo(shard)).map(DocumentSeed::document).toList();
    }

    /**
     * Returns a copy in which exactly the named shards hold a broken index and every other shard a healthy one.
     *
     * @throws SeedException when a name is not a seeded shard
     */
    public StackSeed withBrokenShards(final Set<String> brokenShards) {
        for (final String shard : brokenShards) {
            if (vectorstore.shard(shard).isEmpty()) {
                throw new SeedException("unknown shard '" + shard + "' in the broken shards: the seed has " + shardNames());
            }
        }
        final List<ShardSeed> shards = vectorstore.shards().stream()
                .map(shard -> new ShardSeed(shard.name(),
                        brokenShards.contains(shard.name()) ? IndexState.BROKEN : IndexState.HEALTHY))
                .toList();
        final VectorstoreSeed overridden = new VectorstoreSeed(vectorstore.image(), vectorstore.container(),
                vectorstore.deploymentTemplate(), vectorstore.indexVolume(), vectorstore.mountPath(),
                vectorstore.indexClaimTemplate(), vectorstore.podLabelTemplates(), vectorstore.reopenCommandTemplate(),
                shards);
        return new StackSeed(namespace, workloads, overridden, shardRegistryConfigMap, restore, snapshots, documents, api,
                bootstrap);
    }
}
