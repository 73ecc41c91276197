package io.ragreactor.runbook;

import static io.ragreactor.runbook.RunbookTexts.defaultText;
import static io.ragreactor.runbook.RunbookTexts.lineOf;
import static io.ragreactor.runbook.RunbookTexts.parse;
import static io.ragreactor.runbook.RunbookTexts.removeBlock;
import static io.ragreactor.runbook.RunbookTexts.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunbookLoaderTest {

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
    void shouldLoadShippedReindexStep() {
        final ShardDownSettings.Reindex reindex = Runbook.defaults().shardDown().steps().reindex();

        assertThat(reindex.enabled()).isTrue();
        assertThat(reindex.job().command()).containsExactly("indexer", "reindex", "--shard", "{shard}");
        assertThat(reindex.lookback()).isEqualTo(Duration.ofDays(2));
        assertThat(reindex.limits().deadline()).isEqualTo(Duration.ofHours(3));
    }

    @Test
    void shouldRejectUnknownPlaceholderInReindexCommand() {
        final String text = replaceOnce(defaultText(), "command: [indexer, reindex, --shard, '{shard}']",
                "command: [indexer, reindex, --shard, '{replica}']");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("shardDown.steps.reindex.job.command")
                .hasMessageContaining("unknown placeholder {replica}");
    }

    @Test
    void shouldLoadShippedBudgetAndNoReplicas() {
        final Runbook runbook = Runbook.defaults();

        assertThat(runbook.policies().budget()).isEqualTo(new Runbook.Budget(10, 2, Duration.ofSeconds(30)));
        assertThat(runbook.shardDown().replicas().groups()).isEmpty();
        assertThat(runbook.shardDown().replicas().replicasOf("shard-5")).isEmpty();
    }

    @Test
    void shouldReadReplicaGroups() {
        final Runbook runbook = parse(replaceOnce(defaultText(), "    groups: {}",
                "    groups: {a: [shard-1, shard-1-b, shard-1-c], b: [shard-2, shard-2-b]}"));

        assertThat(runbook.shardDown().replicas().replicasOf("shard-1-b")).containsExactly("shard-1", "shard-1-c");
        assertThat(runbook.shardDown().replicas().replicasOf("shard-2")).containsExactly("shard-2-b");
        assertThat(runbook.shardDown().replicas().replicasOf("shard-3")).isEmpty();
    }

    @Test
    void shouldRejectShardInTwoReplicaGroupsAndLoneMember() {
        final String text = replaceOnce(defaultText(), "    groups: {}",
                "    groups: {a: [shard-1, shard-2], b: [shard-2, shard-3], c: [shard-9]}");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("shardDown.replicas.groups.b: shard shard-2 is in more than one replica group")
                .hasMessageContaining("shardDown.replicas.groups.c: a replica group needs at least two shards");
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
    void shouldNameLineAndKeyOfInvalidDuration() {
        final String text = defaultText().replace("window: 5m", "window: 5 minutes");
        final int line = lineOf(text, "window: 5 minutes");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + line + ", key shardDown.detection.window")
                .hasMessageContaining("5 minutes");
    }

    @Test
    void shouldReportAllProblemsAtOnce() {
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
    void shouldRejectUnknownAndMissingKeys() {
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

    @Test
    void shouldReportNewSectionProblemsAtOnce() {
        // Given one file with a mistake in each of the new sections
        String text = defaultText();
        text = replaceOnce(text, "outageStatuses: [500, 502, 503, 504, 529]", "outageStatuses: [500, 502, 503, 504, 600]");
        text = replaceOnce(text, "percents: [10, 25, 50, 100]", "percents: [10, 50, 25, 100]");
        text = replaceOnce(text, "scenarios: []", "scenarios: [providerOutage, shardUp]");
        text = replaceOnce(text, "kind: StatefulSet", "kind: DaemonSet");
        text = replaceOnce(text, "retentionDays: 10", "retentionDays: 30");
        text = replaceOnce(text, "scratchNamespace: rag-drill", "scratchNamespace: rag-prod");
        text = replaceOnce(text, "at: '03:00'", "at: '27:00'");
        final String file = text;

        // When it is loaded
        // Then every mistake is reported, each with its line and dotted key
        assertThatThrownBy(() -> parse(file))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "line " + lineOf(file, "504, 600]") + ", key providerOutage.detection.outageStatuses[4]: "
                                + "must be between 100 and 599, got 600",
                        "line " + lineOf(file, "percents: [10, 50, 25, 100]") + ", key providerOutage.steps.ramp.percents[2]: "
                                + "must be strictly increasing, got [10, 50, 25, 100]",
                        "line " + lineOf(file, "shardUp") + ", key policies.dryRun.scenarios[1]: unknown scenario 'shardUp'; "
                                + "expected one of bootstrapDeadlock, providerOutage, shardDown",
                        "line " + lineOf(file, "DaemonSet") + ", key bootstrapDeadlock.workloads[3].kind: "
                                + "must be Deployment or StatefulSet, got 'DaemonSet'",
                        "line " + lineOf(file, "retentionDays: 30") + ", key safetyNets.snapshots.retentionDays: "
                                + "must be between 7 and 14, got 30",
                        "line " + lineOf(file, "scratchNamespace: rag-prod") + ", key safetyNets.restoreDrill.scratchNamespace: "
                                + "must differ from namespace 'rag-prod', because a drill must not restore into the live stack",
                        "line " + lineOf(file, "'27:00'") + ", key safetyNets.restoreDrill.at: "
                                + "expected a time of day as HH:mm from 00:00 to 23:59, got '27:00'"));
    }

    @Test
    void shouldRequireNewSections() {
        // Given a file without the providerOutage, bootstrapDeadlock and safetyNets sections
        final String text = removeBlock(removeBlock(removeBlock(defaultText(), "providerOutage:"), "bootstrapDeadlock:"),
                "safetyNets:");

        // When it is loaded
        // Then each missing section is reported by name
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).endsWith("key providerOutage: missing"))
                        .anySatisfy(p -> assertThat(p).endsWith("key bootstrapDeadlock: missing"))
                        .anySatisfy(p -> assertThat(p).endsWith("key safetyNets: missing")));
    }

    @Test
    void shouldLoadShippedDefaultWithoutDryRun() {
        // Given the shipped default
        final Runbook.DryRun dryRun = Runbook.defaults().policies().dryRun();

        // Then no scenario is a dry run
        assertThat(dryRun.all()).isFalse();
        assertThat(dryRun.scenarios()).isEmpty();
        for (final String scenario : Runbook.DryRun.SCENARIOS) {
            assertThat(dryRun.appliesTo(scenario)).as(scenario).isFalse();
        }
    }

    @Test
    void shouldApplyDryRunToNamedScenariosOnly() {
        // Given a dry run of scenario B only
        final String text = replaceOnce(defaultText(), "scenarios: []", "scenarios: [providerOutage]");

        // When the file is loaded
        final Runbook.DryRun dryRun = parse(text).policies().dryRun();

        // Then only scenario B commands are dry runs
        assertThat(dryRun.scenarios()).containsExactly("providerOutage");
        assertThat(dryRun.appliesTo("providerOutage")).isTrue();
        assertThat(dryRun.appliesTo("shardDown")).isFalse();
        assertThat(dryRun.appliesTo("bootstrapDeadlock")).isFalse();
    }

    @Test
    void shouldApplyDryRunAllToEveryScenario() {
        // Given all: true and no scenario named
        final String text = replaceOnce(defaultText(), "all: false", "all: true");

        // When the file is loaded
        final Runbook.DryRun dryRun = parse(text).policies().dryRun();

        // Then every scenario is a dry run
        assertThat(dryRun.all()).isTrue();
        assertThat(dryRun.appliesTo("shardDown")).isTrue();
        assertThat(dryRun.appliesTo("providerOutage")).isTrue();
        assertThat(dryRun.appliesTo("bootstrapDeadlock")).isTrue();
        assertThat(new Runbook.DryRun(false, Set.of("bootstrapDeadlock")).appliesTo("bootstrapDeadlock")).isTrue();
        assertThat(new Runbook.DryRun(false, Set.of("bootstrapDeadlock")).appliesTo("shardDown")).isFalse();
    }

    @Test
    void shouldDefaultDryRunToNone() {
        // Given a policies section without dryRun
        final String text = removeBlock(defaultText(), "  dryRun:");

        // When the file is loaded
        final Runbook.DryRun dryRun = parse(text).policies().dryRun();

        // Then no scenario is a dry run
        assertThat(dryRun).isEqualTo(Runbook.DryRun.NONE);
        assertThat(dryRun.appliesTo("shardDown")).isFalse();
    }

    @Test
    void shouldRejectNonBooleanDryRunAll() {
        // Given all: sometimes
        final String text = replaceOnce(defaultText(), "all: false", "all: sometimes");

        // When it is loaded
        // Then the key and value are named
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "all: sometimes") + ", key policies.dryRun.all: "
                        + "expected true or false, got 'sometimes'");
    }
}
