package io.ragreactor.local.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragreactor.local.GoldenQueries;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeedLoaderTest {

    @Test
    void shouldLoadShippedSeedWithBothShards() {
        // When
        final StackSeed seed = SeedLoader.loadDefault();

        // Then
        assertThat(seed.namespace()).isEqualTo("rag-prod");
        assertThat(seed.shardNames()).containsExactly("shard-4", "shard-5");
        assertThat(seed.vectorstore().shard("shard-4")).map(ShardSeed::index).contains(IndexState.HEALTHY);
        assertThat(seed.vectorstore().shard("shard-5")).map(ShardSeed::index).contains(IndexState.BROKEN);
        assertThat(seed.vectorstore().deploymentName("shard-5")).isEqualTo("vectorstore-shard-5");
        assertThat(seed.vectorstore().indexClaimName("shard-5")).isEqualTo("vectorstore-shard-5-index");
        assertThat(seed.vectorstore().podLabels("shard-5")).containsEntry("app.kubernetes.io/name", "vectorstore")
                .containsEntry("app.kubernetes.io/instance", "shard-5");
        assertThat(seed.vectorstore().reopenCommand("shard-5")).containsExactly("ctl", "index", "reopen", "shard-5");
        assertThat(seed.restore().image()).isEqualTo("registry.example.internal/rag/snapshot-tool:1.4");
        assertThat(seed.restore().snapshotEnv()).isEqualTo("SNAPSHOT_URI");
        assertThat(seed.workloads()).extracting(WorkloadSeed::name)
                .containsExactly("retriever", "generator", "indexer", "controller");
        assertThat(seed.shardRegistryConfigMap()).isEqualTo("rag-shard-registry");
    }

    @Test
    void shouldGiveEveryShardEveryExpectedGoldenDocument() {
        // Given
        final StackSeed seed = SeedLoader.loadDefault();
        final List<String> expectedIds = GoldenQueries.load().queries().stream()
                .flatMap(query -> query.expectedIds().stream())
                .toList();

        // Then
        for (final String shard : seed.shardNames()) {
            assertThat(seed.documentsOf(shard)).extracting(Document::id).as(shard).containsAll(expectedIds);
        }
        assertThat(seed.documentsOf("shard-4")).extracting(Document::id).contains("doc-mkt-0101")
                .doesNotContain("doc-mkt-0102");
    }

    @Test
    void shouldSeedNamedShardsBrokenWhenOverridden() {
        // Given
        final StackSeed seed = SeedLoader.loadDefault();

        // When
        final StackSeed overridden = seed.withBrokenShards(Set.of("shard-4"));

        // Then
        assertThat(overridden.vectorstore().shard("shard-4")).map(ShardSeed::index).contains(IndexState.BROKEN);
        assertThat(overridden.vectorstore().shard("shard-5")).map(ShardSeed::index).contains(IndexState.HEALTHY);
    }

    @Test
    void shouldRejectUnknownShardInOverride() {
        // Given
        final StackSeed seed = SeedLoader.loadDefault();

        // Then
        assertThatThrownBy(() -> seed.withBrokenShards(Set.of("shard-9")))
                .isInstanceOf(SeedException.class)
                .hasMessageContaining("shard-9");
    }

    @Test
    void shouldNameKeyPathOfInvalidIndexState() {
        // Given
        final String yaml = """
                namespace: rag-prod
                workloads: []
                vectorstore:
                  image: img
                  container: vectorstore
                  deployment: "vectorstore-<shard>"
                  indexVolume: index
                  mountPath: /data/index
                  indexClaim: "vectorstore-<shard>-index"
                  podLabels:
                    app.kubernetes.io/instance: "<shard>"
                  reopenCommand: [ctl, index, reopen, "<shard>"]
                  shards:
                    - name: shard-1
                      index: fine
                """;

        // Then
        assertThatThrownBy(() -> SeedLoader.parse(yaml, "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: vectorstore.shards[0].index:")
                .hasMessageContaining("healthy or broken");
    }

    @Test
    void shouldNameMissingKey() {
        // Given
        final String yaml = "namespace: rag-prod\n";

        // Then
        assertThatThrownBy(() -> SeedLoader.parse(yaml, "short.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessage("short.yaml: workloads: missing key");
    }
}
