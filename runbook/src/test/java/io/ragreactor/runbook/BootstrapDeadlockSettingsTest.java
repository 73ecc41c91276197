package io.ragreactor.runbook;

import static io.ragreactor.runbook.RunbookTexts.defaultText;
import static io.ragreactor.runbook.RunbookTexts.lineOf;
import static io.ragreactor.runbook.RunbookTexts.parse;
import static io.ragreactor.runbook.RunbookTexts.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BootstrapDeadlockSettingsTest {

    private static final String INDEXER_LINE =
            "    - {component: indexer, kind: StatefulSet, name: indexer, podSelector: {app.kubernetes.io/name: indexer}}";

    @Test
    void shouldLoadShippedWorkloadsInStartOrder() {
        // Given the shipped default
        final BootstrapDeadlockSettings settings = Runbook.defaults().bootstrapDeadlock();

        // Then detection and the workloads carry the documented values, the controller first
        assertThat(settings.detection().threshold()).isEqualTo(1);
        assertThat(settings.detection().window()).isEqualTo(Duration.ofMinutes(10));
        assertThat(settings.detection().crashLoopReasons()).containsExactly("CrashLoopBackOff");
        assertThat(settings.detection().readyDeadline()).isEqualTo(Duration.ofMinutes(10));
        assertThat(settings.workloads()).extracting(BootstrapDeadlockSettings.Workload::component)
                .containsExactly("controller", "retriever", "generator", "indexer");
        assertThat(settings.workloads().get(3)).isEqualTo(new BootstrapDeadlockSettings.Workload(
                "indexer", "StatefulSet", "indexer", Map.of("app.kubernetes.io/name", "indexer")));
    }

    @Test
    void shouldClassifyMigrationLogLinesCaseInsensitively() {
        // Given the shipped patterns
        final BootstrapDeadlockSettings.Detection detection = Runbook.defaults().bootstrapDeadlock().detection();

        // Then a migration Job's lock timeout names a circular dependency, and missing schema lines a missing migration
        assertThat(anyFinds(detection.circularDependencyPatterns(), "ERROR migrate: controller is waiting for retriever"
                + " readiness before releasing the lock; retriever waits for schema version 42 (circular dependency)"))
                .isTrue();
        assertThat(anyFinds(detection.circularDependencyPatterns(), "Waiting for Controller Readiness")).isTrue();
        assertThat(anyFinds(detection.circularDependencyPatterns(), "INFO migrate: current schema version 41, target 42"))
                .isFalse();
        assertThat(anyFinds(detection.missingMigrationPatterns(), "ERROR: relation \"documents\" does not exist"))
                .isTrue();
        assertThat(anyFinds(detection.missingMigrationPatterns(), "schema version 42 is missing")).isTrue();
        assertThat(anyFinds(detection.missingMigrationPatterns(), "Missing Migration 0042_add_chunks")).isTrue();
        assertThat(anyFinds(detection.missingMigrationPatterns(), "schema version 42 applied")).isFalse();
    }

    @Test
    void shouldLoadShippedSteps() {
        // Given the shipped default
        final BootstrapDeadlockSettings.Steps steps = Runbook.defaults().bootstrapDeadlock().steps();

        // Then every step carries the documented values
        assertThat(steps.inspect()).isEqualTo(new BootstrapDeadlockSettings.Inspect(List.of("migrations"), 8192,
                new StepLimits(Duration.ofMinutes(2), 2)));
        assertThat(steps.runMigrations().enabled()).isTrue();
        assertThat(steps.runMigrations().job()).isEqualTo(new ShardDownSettings.JobTemplate("migrations-rerun",
                "registry.example.internal/rag/controller:3.2", List.of("controller", "migrate", "--wait-for-lock=120s"),
                0, Duration.ofMinutes(15)));
        assertThat(steps.runMigrations().limits()).isEqualTo(new StepLimits(Duration.ofMinutes(20), 1));
        assertThat(steps.startInOrder()).isEqualTo(new BootstrapDeadlockSettings.StartInOrder(Duration.ofMinutes(5),
                new StepLimits(Duration.ofMinutes(25), 1)));
        assertThat(steps.restartOneByOne()).isEqualTo(new BootstrapDeadlockSettings.RestartOneByOne(true,
                new StepLimits(Duration.ofMinutes(30), 1)));
    }

    @Test
    void shouldApplyDefaultsOfOptionalKeys() {
        // Given a file without threshold, maxLogBytes and both enabled keys
        String text = defaultText();
        text = replaceOnce(text, "    threshold: 1\n", "");
        text = replaceOnce(text, "      maxLogBytes: 8192\n", "");
        text = text.replace("      # Default true.\n      enabled: true\n", "");

        // When it is loaded
        final BootstrapDeadlockSettings settings = parse(text).bootstrapDeadlock();

        // Then the documented defaults apply
        assertThat(settings.detection().threshold()).isEqualTo(1);
        assertThat(settings.steps().inspect().maxLogBytes()).isEqualTo(8192);
        assertThat(settings.steps().runMigrations().enabled()).isTrue();
        assertThat(settings.steps().restartOneByOne().enabled()).isTrue();
    }

    @Test
    void shouldReadDisabledSteps() {
        // Given both optional steps disabled
        final Runbook runbook = RunbookLoader.loadDefault(Map.of(
                "bootstrapDeadlock.steps.runMigrations.enabled", "false",
                "bootstrapDeadlock.steps.restartOneByOne.enabled", "false"));

        // Then both read as disabled
        assertThat(runbook.bootstrapDeadlock().steps().runMigrations().enabled()).isFalse();
        assertThat(runbook.bootstrapDeadlock().steps().restartOneByOne().enabled()).isFalse();
    }

    @Test
    void shouldFindWorkloadByComponentAndName() {
        // Given the shipped workloads
        final BootstrapDeadlockSettings settings = Runbook.defaults().bootstrapDeadlock();

        // Then a listed pair is found and anything else is not
        assertThat(settings.workload("generator", "generator")).map(BootstrapDeadlockSettings.Workload::kind)
                .contains("Deployment");
        assertThat(settings.workload("indexer", "indexer")).map(BootstrapDeadlockSettings.Workload::kind)
                .contains("StatefulSet");
        assertThat(settings.workload("generator", "indexer")).isEmpty();
        assertThat(settings.workload("vectorstore", "vectorstore-shard-5")).isEmpty();
    }

    @Test
    void shouldRejectDuplicateWorkload() {
        // Given the generator listed twice
        final String duplicate =
                "    - {component: generator, kind: Deployment, name: generator, podSelector: {app: generator-copy}}";
        final String text = replaceOnce(defaultText(), INDEXER_LINE, INDEXER_LINE + "\n" + duplicate);

        // When it is loaded
        // Then the second entry is reported
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).containsExactly(
                        "line " + lineOf(text, "generator-copy") + ", key bootstrapDeadlock.workloads[4]: duplicate"
                                + " workload: component generator with name generator is already listed"));
    }

    @Test
    void shouldRejectEmptyWorkloadList() {
        // Given no workloads
        final String text = replaceOnce(defaultText().replaceAll("(?m)^    - \\{component: .*\\n", ""),
                "  workloads:\n", "  workloads: []\n");

        // When it is loaded
        // Then the list is reported
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "workloads: []")
                        + ", key bootstrapDeadlock.workloads: needs at least one workload");
    }

    @Test
    void shouldRejectInvalidWorkloadNamesAndSelectors() {
        // Given an upper-case name, an empty selector and an invalid label value
        final String text = replaceOnce(defaultText(), INDEXER_LINE,
                "    - {component: indexer, kind: StatefulSet, name: Indexer, podSelector: {}}\n"
                        + "    - {component: embedder, kind: Deployment, name: embedder, podSelector: {app: 'embed der'}}");

        // When it is loaded
        // Then each is reported with its key
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(text, "name: Indexer")
                                + ", key bootstrapDeadlock.workloads[3].name: must be a Kubernetes name"))
                        .anySatisfy(p -> assertThat(p).isEqualTo("line " + lineOf(text, "name: Indexer")
                                + ", key bootstrapDeadlock.workloads[3].podSelector: needs at least one label"))
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(text, "'embed der'")
                                + ", key bootstrapDeadlock.workloads[4].podSelector.app: must be a Kubernetes label value"))
                        .hasSize(3));
    }

    @Test
    void shouldRejectReadyTimeoutLongerThanStepDeadline() {
        // Given each workload allowed longer than the whole step
        final String text = replaceOnce(defaultText(), "readyTimeout: 5m", "readyTimeout: 30m");

        // When it is loaded
        // Then readyTimeout is reported
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "readyTimeout: 30m")
                        + ", key bootstrapDeadlock.steps.startInOrder.readyTimeout: "
                        + "must not be longer than the step's deadline (25m), got 30m");
    }

    @Test
    void shouldRejectInvalidPatternAndJobNames() {
        // Given an unclosed group, a Job name with an underscore and an unknown placeholder
        String text = replaceOnce(defaultText(), "'missing migration'", "'missing (migration'");
        text = replaceOnce(text, "jobNames: [migrations]", "jobNames: [schema_migrations]");
        text = replaceOnce(text, "namePrefix: migrations-rerun", "namePrefix: 'migrations-{pod}'");
        final String file = text;

        // When it is loaded
        // Then each is reported with its key
        assertThatThrownBy(() -> parse(file))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(file, "'missing (migration'")
                                + ", key bootstrapDeadlock.detection.missingMigrationPatterns[0]: invalid regular expression"))
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(file, "schema_migrations")
                                + ", key bootstrapDeadlock.steps.inspect.jobNames[0]: must be a Kubernetes name"))
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(file, "migrations-{pod}")
                                + ", key bootstrapDeadlock.steps.runMigrations.job.namePrefix: unknown placeholder {pod}"))
                        .hasSize(3));
    }

    private static boolean anyFinds(final List<Pattern> patterns, final String line) {
        return patterns.stream().anyMatch(pattern -> pattern.matcher(line).find());
    }
}
