package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.deadletter.DeadLetterHeaders;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.PodStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code rag-reactor produce} on the samples and on bad input against a real broker and registry. */
class ProduceCommandTest {

    private static CliCluster cluster;

    @TempDir
    Path folder;

    @BeforeAll
    static void startCluster() {
        cluster = CliCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void producesGoldenQuerySample() throws IOException {
        final Set<String> before = healthPositions();
        final Path file = resource("/io/ragreactor/cli/golden-query-results.jsonl", "golden.jsonl");

        final CliCluster.Run run = cluster.run("produce", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("published 10, skipped 0, dead-lettered 0");
        final List<HealthEvent> added = healthEventsAfter(before);
        assertThat(added).hasSize(10);
        assertThat(added).extracting(HealthEvent::getTarget)
                .containsOnly("rag-prod/vectorstore/shard-4", "rag-prod/vectorstore/shard-5");
    }

    @Test
    void producesProviderSample() throws IOException {
        final Set<String> before = healthPositions();
        final Path file = resource("/io/ragreactor/cli/llm-provider-responses.jsonl", "provider.jsonl");

        final CliCluster.Run run = cluster.run("produce", "--format", "provider", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("published 12, skipped 0, dead-lettered 0");
        assertThat(healthEventsAfter(before)).hasSize(12);
    }

    @Test
    void deadLettersBadLineWithReason() throws IOException {
        final Set<String> before = healthPositions();
        final int deadLettersBefore = cluster.readAll(cluster.topics().healthDeadLetter().name()).size();
        final String good = "{\"at\":\"2026-11-30T09:15:00.008Z\",\"prober\":\"golden-query-prober\","
                + "\"shard\":\"shard-5\",\"qid\":\"gq-099\",\"retrieved\":[],\"latencyMs\":10}";
        final String info = "{\"at\":\"2026-11-30T09:15:01Z\",\"source\":\"vectorstore-log\","
                + "\"pod\":\"vectorstore-shard-5-0\",\"line\":\"2026-11-30T09:15:01Z INFO compaction finished\"}";
        final String bad = "{\"at\":\"2026-11-30T09:15:02Z\",\"unknown\":true}";
        final String notJson = "this is not json";
        final Path file = Files.writeString(folder.resolve("mixed.jsonl"), String.join("\n", good, info, bad, notJson));

        final CliCluster.Run run = cluster.run("produce", file.toString());

        assertThat(run.exitCode()).isEqualTo(ProduceCommand.DEAD_LETTERED_EXIT_CODE);
        assertThat(run.out()).contains("published 1, skipped 1, dead-lettered 2");
        assertThat(run.err()).contains("line 3 dead-lettered (unparseable-input): line matches no known format");
        assertThat(run.err()).contains("line 4 dead-lettered (unparseable-input): line is not JSON");
        assertThat(healthEventsAfter(before)).hasSize(1);
        final List<ConsumerRecord<byte[], byte[]>> deadLetters = cluster.readAll(
                cluster.topics().healthDeadLetter().name());
        assertThat(deadLetters).hasSize(deadLettersBefore + 2);
        final ConsumerRecord<byte[], byte[]> first = deadLetters.stream()
                .filter(record -> new String(record.value(), StandardCharsets.UTF_8).equals(bad))
                .findFirst().orElseThrow();
        assertThat(header(first, DeadLetterHeaders.REASON)).isEqualTo("unparseable-input");
        assertThat(header(first, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("3");
        assertThat(header(first, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(file.toString());
    }

    @Test
    void detectsIndentedPodDocument() throws IOException {
        final Set<String> before = healthPositions();
        final Path file = resource("/io/ragreactor/local/pod-generator-crashloop.json", "pod.json");

        final CliCluster.Run run = cluster.run("produce", file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("published 1, skipped 0, dead-lettered 0");
        final List<HealthEvent> added = healthEventsAfter(before);
        assertThat(added).hasSize(1);
        final HealthEvent event = added.get(0);
        assertThat(event.getTarget()).isEqualTo("rag-prod/generator/generator");
        assertThat(event.getPayload()).isInstanceOf(PodStatus.class);
    }

    @Test
    void deadLettersBadPodOfList() throws IOException {
        final Set<String> before = healthPositions();
        final String pod = read("/io/ragreactor/local/pod-generator-crashloop.json");
        final String list = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[" + pod
                + ",{\"kind\":\"Pod\",\"metadata\":{\"name\":\"orphan\"}}]}";
        final Path file = Files.writeString(folder.resolve("pods.json"), list);

        final CliCluster.Run run = cluster.run("produce", "--format", "pod", file.toString());

        assertThat(run.exitCode()).isEqualTo(ProduceCommand.DEAD_LETTERED_EXIT_CODE);
        assertThat(run.out()).contains("published 1, skipped 0, dead-lettered 1");
        assertThat(run.err()).contains("pod 2 dead-lettered (unparseable-input): metadata.namespace is missing");
        assertThat(healthEventsAfter(before)).hasSize(1);
    }

    @Test
    void readsStandardInput() {
        final Set<String> before = healthPositions();
        final String line = "{\"at\":\"2026-11-30T09:15:01.204Z\",\"provider\":\"primary-llm\",\"status\":503}";
        final InputStream stdin = System.in;
        final CliCluster.Run run;
        try {
            System.setIn(new ByteArrayInputStream((line + "\n").getBytes(StandardCharsets.UTF_8)));
            run = cluster.run("produce", "-");
        } finally {
            System.setIn(stdin);
        }

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("stdin: published 1, skipped 0, dead-lettered 0");
        assertThat(healthEventsAfter(before)).singleElement()
                .extracting(HealthEvent::getTarget).isEqualTo("rag-prod/generator/primary-llm");
    }

    @Test
    void missingFileIsUsageError() {
        final CliCluster.Run run = cluster.run("produce", folder.resolve("absent.jsonl").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("absent.jsonl not found");
    }

    @Test
    void missingSettingsAreUsageError() {
        final CliCluster.Run run = CliCluster.run(Map.of(), "produce", "-");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("missing --bootstrap-servers");
        assertThat(run.err()).contains(ConnectionOptions.BOOTSTRAP_SERVERS_ENV);
    }

    /** Returns the events on the health topic that are not at one of the {@code earlier} positions. */
    private static List<HealthEvent> healthEventsAfter(final Set<String> earlier) {
        return cluster.readAll(cluster.topics().health().name()).stream()
                .filter(record -> !earlier.contains(position(record)))
                .map(record -> cluster.topics().health().valueSerde().deserializer()
                        .deserialize(record.topic(), record.value()))
                .toList();
    }

    /** Returns the positions, partition and offset, of the records on the health topic. */
    private static Set<String> healthPositions() {
        return cluster.readAll(cluster.topics().health().name()).stream().map(ProduceCommandTest::position)
                .collect(Collectors.toSet());
    }

    private static String position(final ConsumerRecord<byte[], byte[]> record) {
        return record.partition() + "@" + record.offset();
    }

    private Path resource(final String name, final String fileName) throws IOException {
        return Files.writeString(folder.resolve(fileName), read(name));
    }

    private static String read(final String name) throws IOException {
        try (InputStream in = ProduceCommandTest.class.getResourceAsStream(name)) {
            assertThat(in).as("test resource " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String header(final ConsumerRecord<byte[], byte[]> record, final String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
