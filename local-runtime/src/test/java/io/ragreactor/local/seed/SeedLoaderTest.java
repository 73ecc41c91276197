package io.ragreactor.local.seed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.ragreactor.local.GoldenQueries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void shouldLoadApiSection() {
        // When
        final ApiSeed api = SeedLoader.loadDefault().api().orElseThrow();

        // Then
        assertThat(api.deployment()).isEqualTo("rag-api");
        assertThat(api.container()).isEqualTo("api");
        assertThat(api.providerEnv()).isEqualTo("PROVIDER");
        assertThat(api.primaryProvider()).isEqualTo("primary-llm");
        assertThat(api.settingsConfigMap()).isEqualTo("rag-api-settings");
        assertThat(api.trafficPercentKey()).isEqualTo("RAG_PRIMARY_TRAFFIC_PERCENT");
        assertThat(api.settings())
                .containsEntry("RAG_PRIMARY_TRAFFIC_PERCENT", "0")
                .containsEntry("RAG_FALLBACK_MODE", "off")
                .containsEntry("RAG_MAX_REQUESTS_PER_SECOND", "");
        assertThat(api.quality()).isEqualTo(new QualitySeed("generator", 0.85, 0.77, 0.01, 30));
    }

    @Test
    void shouldLoadBootstrapSection() {
        // When
        final StackSeed seed = SeedLoader.loadDefault();
        final BootstrapSeed bootstrap = seed.bootstrap().orElseThrow();

        // Then
        assertThat(seed.workload("indexer")).map(WorkloadSeed::kind).contains(WorkloadKind.STATEFUL_SET);
        assertThat(seed.workload("generator")).map(WorkloadSeed::kind).contains(WorkloadKind.DEPLOYMENT);
        assertThat(bootstrap.schemaVersion()).isEqualTo(41);
        assertThat(bootstrap.requiredSchemaVersion()).isEqualTo(42);
        assertThat(bootstrap.migrationImage()).isEqualTo("registry.example.internal/rag/controller:3.2");
        assertThat(bootstrap.blockedContainer("generator")).hasValueSatisfying(blocked -> {
            assertThat(blocked.container()).isEqualTo("generator");
            assertThat(blocked.init()).isFalse();
            assertThat(blocked.exitCode()).isEqualTo(1);
        });
        assertThat(bootstrap.blockedContainer("indexer")).hasValueSatisfying(blocked -> {
            assertThat(blocked.container()).isEqualTo("migrate");
            assertThat(blocked.init()).isTrue();
            assertThat(blocked.exitCode()).isEqualTo(2);
            assertThat(blocked.crashLog()).anyMatch(line -> line.contains("circular dependency"));
        });
        assertThat(bootstrap.blockedContainer("retriever")).isEmpty();
        assertThat(bootstrap.pods()).extracting(PodSeed::name, PodSeed::workload, PodSeed::revision).containsExactly(
                tuple("generator-7d9c6b5f4-x2k8p", "generator", Optional.of("7d9c6b5f4")),
                tuple("indexer-0", "indexer", Optional.of("indexer-5d8f7c6b9")),
                tuple("retriever-6f8d7c9b5-q4w7z", "retriever", Optional.of("6f8d7c9b5")));
        final FailedJobSeed job = bootstrap.failedJob().orElseThrow();
        assertThat(job.name()).isEqualTo("migrations");
        assertThat(job.podName()).isEqualTo("migrations-x7k2p");
        assertThat(job.exitCode()).isEqualTo(2);
        assertThat(job.finishedAt()).isEqualTo(Instant.parse("2026-11-30T09:21:04Z"));
        assertThat(job.log()).startsWith("2026-11-30T09:20:04.112Z INFO  migrate: connecting to");
    }

    @Test
    void shouldNameKeyOfMalformedSection() {
        // Given the shipped seed with one value broken at a time
        final String yaml = shippedSeed();

        // Then
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace("      container: generator\n",
                "      container: generator\n      initContainer: wait-for-migrations\n"), "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessage("bad.yaml: bootstrap.blockedContainers[0]: expected exactly one of container and"
                        + " initContainer");
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace("initContainer: migrate", "initContainer: migrator"),
                "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: bootstrap.blockedContainers[1].initContainer: the pods of indexer"
                        + " have no init container 'migrator'");
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace("requiredSchemaVersion: 42", "requiredSchemaVersion: 40"),
                "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: bootstrap.requiredSchemaVersion: the required version 40 is below");
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace(
                "file: pod-retriever-containercreating.json\n      workload: retriever",
                "file: pod-retriever-containercreating.json\n      workload: generator"), "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: bootstrap.pods[2].file: pod-retriever-containercreating.json: pod"
                        + " retriever-6f8d7c9b5-q4w7z lacks the label app.kubernetes.io/name=generator");
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace("log: migrations-job.log", "log: ../migrations-job.log"),
                "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: bootstrap.failedMigrationJob.log: '../migrations-job.log' is not a"
                        + " plain file name");
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace("RAG_PRIMARY_TRAFFIC_PERCENT: \"0\"",
                "RAG_PRIMARY_TRAFFIC_PERCENT: \"150\""), "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: api.settings.data.RAG_PRIMARY_TRAFFIC_PERCENT: expected a percent");
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace("  kind: StatefulSet", "  kind: DaemonSet"),
                "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: workloads[2].kind: invalid workload kind 'DaemonSet'");
        assertThatThrownBy(() -> SeedLoader.parse(yaml.replace("    citationHitRate: 0.85", "    citationHitRate: 1.5"),
                "bad.yaml"))
                .isInstanceOf(SeedException.class)
                .hasMessageStartingWith("bad.yaml: api.quality.citationHitRate: expected a number from 0 to 1");
    }

    @Test
    void shouldReadNamedFilesBesideSeedFile(@TempDir final Path directory) throws IOException {
        // Given the shipped seed and its files in a directory, with a log of its own
        for (final String name : List.of("pod-generator-crashloop.json", "pod-indexer-init-crashloop.json",
                "pod-retriever-containercreating.json")) {
            Files.writeString(directory.resolve(name), resource(name));
        }
        Files.writeString(directory.resolve("migrations-job.log"), "migrate: exit 2\n");
        final Path seedFile = directory.resolve("stack.yaml");
        Files.writeString(seedFile, shippedSeed());

        // When
        final StackSeed seed = SeedLoader.load(seedFile);

        // Then
        assertThat(seed.bootstrap().orElseThrow().failedJob().orElseThrow().log()).isEqualTo("migrate: exit 2\n");
    }

    @Test
    void shouldLoadSeedWithoutApiAndBootstrap() {
        // Given the shipped seed without the optional sections
        final String yaml = shippedSeed();
        final String withoutSections = yaml.substring(0, yaml.indexOf("# The RAG API, which calls"))
                + yaml.substring(yaml.indexOf("# Snapshots uploaded to S3"));

        // When
        final StackSeed seed = SeedLoader.parse(withoutSections, "minimal.yaml");

        // Then
        assertThat(seed.api()).isEmpty();
        assertThat(seed.bootstrap()).isEmpty();
        assertThat(seed.workloads()).hasSize(4);
    }

    private static String shippedSeed() {
        return resource("demo-stack.yaml");
    }

    private static String resource(final String name) {
        try (InputStream in = SeedLoaderTest.class.getResourceAsStream("/io/ragreactor/local/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IllegalStateException("failed to read resource " + name, e);
        }
    }
}
