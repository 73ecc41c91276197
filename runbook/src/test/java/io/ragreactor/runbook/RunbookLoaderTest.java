package io.ragreactor.runbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunbookLoaderTest {

    private static String defaultText() throws IOException {
        try (InputStream in = RunbookLoader.class.getResourceAsStream(RunbookLoader.DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Runbook parse(final String text) {
        return RunbookLoader.parse(text, "test.yaml", Map.of(), name -> {
            try (InputStream in = RunbookLoader.class.getResourceAsStream("/io/ragreactor/runbook/" + name)) {
                if (in == null) {
                    throw new IOException(name + " not found");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }

    @Test
    void shouldLoadShippedDefaultWithDocumentedDetectionDefaults() {
        final Runbook runbook = Runbook.defaults();

        assertThat(runbook.namespace()).isEqualTo("rag-prod");
        assertThat(runbook.allowedSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(runbook.shardDown().detection().threshold()).isEqualTo(3);
        assertThat(runbook.shardDown().detection().window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(runbook.shardDown().steps().reopen().argvTemplate()).containsExactly("ctl", "index", "reopen", "{shard}");
        assertThat(runbook.shardDown().steps().validate().goldenSet().questions()).hasSize(12);
        assertThat(runbook.shardDown().steps().validate().goldenSet().minScore()).isEqualTo(0.72);
        assertThat(runbook.shardDown().steps().restore().storageClassName()).isNull();
        assertThat(runbook.shardDown().detection().documentCountTolerance()).isEqualTo(0.02);
        assertThat(runbook.policies().cooldown()).isEqualTo(Duration.ofMinutes(30));
        assertThat(runbook.policies().repeatsInCooldown()).isEqualTo(1);
    }

    @Test
    void shouldMapSourceNamesToTargets() {
        final Runbook runbook = Runbook.defaults();

        assertThat(runbook.targetFor("shard", "shard-5")).contains("rag-prod/vectorstore/shard-5");
        assertThat(runbook.targetFor("pod", "vectorstore-shard-5-0")).contains("rag-prod/vectorstore/shard-5");
        assertThat(runbook.targetFor("pod", "generator-7d9c6b5f4-x2k8p")).isEmpty();
        assertThat(runbook.targetFor("shard", "shard-5; rm -rf /")).isEmpty();
    }

    @Test
    void shouldNameLineAndKeyOfInvalidDuration() throws IOException {
        final String text = defaultText().replace("window: 5m", "window: 5 minutes");
        final int line = lineOf(text, "window: 5 minutes");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + line + ", key shardDown.detection.window")
                .hasMessageContaining("5 minutes");
    }

    @Test
    void shouldReportAllProblemsAtOnce() throws IOException {
        final String text = defaultText()
                .replace("namespace: rag-prod", "namespace: Rag_Prod")
                .replace("threshold: 3", "threshold: three")
                .replace("'snapshots/{shard}/'", "'snapshots/{shard}/{pod}/'");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).contains("key namespace").contains("Rag_Prod"))
                        .anySatisfy(p -> assertThat(p).contains("key shardDown.detection.threshold"))
                        .anySatisfy(p -> assertThat(p).contains("key shardDown.steps.restore.prefix")
                                .contains("unknown placeholder {pod}")));
    }

    @Test
    void shouldRejectUnknownAndMissingKeys() throws IOException {
        final String text = defaultText()
                .replace("  shardRegistry:\n    configMap: rag-shard-registry\n", "  shardRegistry:\n    configmap: x\n");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).contains("key shardDown.shardRegistry.configmap: unknown key"))
                        .anySatisfy(p -> assertThat(p).contains("key shardDown.shardRegistry.configMap: missing")));
    }

    @Test
    void shouldRejectYamlSyntaxErrorWithItsLine() {
        assertThatThrownBy(() -> parse("version: a\nnamespace: [unclosed\n"))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void shouldValidateOverriddenValuesLikeFileValues() {
        final Runbook runbook = RunbookLoader.loadDefault(
                Map.of("shardDown.steps.validate.retrieverUrl", "http://127.0.0.1:18080"));
        assertThat(runbook.shardDown().steps().validate().retrieverUrl()).isEqualTo("http://127.0.0.1:18080");

        assertThatThrownBy(() -> RunbookLoader.loadDefault(Map.of("shardDown.steps.validate.retrieverUrl", "ftp://x")))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("key shardDown.steps.validate.retrieverUrl");
        assertThatThrownBy(() -> RunbookLoader.loadDefault(Map.of("shardDown.nope", "1")))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("the runbook has no key shardDown.nope");
    }

    @Test
    void shouldApplyGoldenSetPassRule() {
        final GoldenSet set = Runbook.defaults().shardDown().steps().validate().goldenSet();

        assertThat(set.passes("gq-005", List.of(new GoldenSet.Hit("doc-err-1042", 0.94)))).isTrue();
        assertThat(set.passes("gq-007", List.of())).isFalse();
        assertThat(set.passes("gq-012", List.of(new GoldenSet.Hit("doc-kb-4410", 0.31)))).isFalse();
        assertThat(set.passes("gq-012", List.of(new GoldenSet.Hit("doc-ops-0090", 0.70)))).isFalse();
    }

    private static int lineOf(final String text, final String fragment) {
        final String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(fragment)) {
                return i + 1;
            }
        }
        throw new AssertionError(fragment + " not in text");
    }
}
