package io.ragreactor.runbook;

import static io.ragreactor.runbook.RunbookTexts.defaultText;
import static io.ragreactor.runbook.RunbookTexts.lineOf;
import static io.ragreactor.runbook.RunbookTexts.parse;
import static io.ragreactor.runbook.RunbookTexts.removeBlock;
import static io.ragreactor.runbook.RunbookTexts.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderOutageSettingsTest {

    @Test
    void shouldLoadShippedDetectionAndApi() {
        // Given the shipped default
        final ProviderOutageSettings settings = Runbook.defaults().providerOutage();

        // Then detection and the API's settings carry the documented values
        assertThat(settings.component()).isEqualTo("generator");
        assertThat(settings.detection().threshold()).isEqualTo(5);
        assertThat(settings.detection().window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(settings.detection().outageStatuses()).containsExactly(500, 502, 503, 504, 529);
        assertThat(settings.detection().quotaErrorTypes()).containsExactly("insufficient_quota");
        assertThat(settings.detection().rateLimitStatuses()).containsExactly(429);
        assertThat(settings.detection().defaultRetryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.detection().authStatuses()).containsExactly(401, 403);
        assertThat(settings.api().deployment()).isEqualTo("rag-api");
        assertThat(settings.api().container()).isEqualTo("api");
        assertThat(settings.api().carrier()).isEqualTo(ProviderOutageSettings.SettingsCarrier.CONFIG_MAP);
        assertThat(settings.api().settingsName()).isEqualTo("rag-api-settings");
        assertThat(settings.backup()).isEqualTo(new ProviderOutageSettings.Backup("backup-llm", "PROVIDER"));
    }

    @Test
    void shouldLoadShippedStepsAndBaseline() {
        // Given the shipped default
        final ProviderOutageSettings settings = Runbook.defaults().providerOutage();
        final ProviderOutageSettings.Steps steps = settings.steps();

        // Then each step and the baseline carry the documented values
        assertThat(steps.switchProvider()).isEqualTo(new StepLimits(Duration.ofMinutes(3), 2));
        assertThat(steps.fallbackMode().values()).containsExactly(
                entry("RAG_FALLBACK_MODE", "cached-answers"), entry("RAG_UNKNOWN_QUESTIONS", "refuse"));
        assertThat(steps.throttle().values()).containsExactly(
                entry("RAG_MAX_REQUESTS_PER_SECOND", "5"), entry("RAG_LONG_REQUESTS", "worker-queue"));
        assertThat(steps.throttle().limits()).isEqualTo(new StepLimits(Duration.ofMinutes(1), 2));
        assertThat(steps.awaitRecovery()).isEqualTo(
                new ProviderOutageSettings.AwaitRecovery(Duration.ofMinutes(10), Duration.ofHours(4)));
        assertThat(steps.ramp().percents()).containsExactly(10, 25, 50, 100);
        assertThat(steps.ramp().percentKey()).isEqualTo("RAG_PRIMARY_TRAFFIC_PERCENT");
        assertThat(steps.ramp().hold()).isEqualTo(Duration.ofMinutes(5));
        assertThat(steps.ramp().minSamples()).isEqualTo(20);
        assertThat(steps.ramp().maxRegressions()).isEqualTo(1);
        assertThat(steps.restoreNormal().values()).containsExactly(entry("RAG_FALLBACK_MODE", "off"),
                entry("RAG_UNKNOWN_QUESTIONS", "answer"), entry("RAG_MAX_REQUESTS_PER_SECOND", ""),
                entry("RAG_LONG_REQUESTS", "inline"));
        assertThat(settings.baseline()).isEqualTo(new ProviderOutageSettings.QualityBaseline(0.82, 0.74, 0.05));
    }

    @Test
    void shouldApplyDefaultsOfOptionalKeys() {
        // Given a file without defaultRetryAfter, minSamples, maxRegressions and tolerance
        String text = defaultText();
        text = replaceOnce(text, "    defaultRetryAfter: 30s\n", "");
        text = replaceOnce(text, "      minSamples: 20\n", "");
        text = replaceOnce(text, "      maxRegressions: 1\n", "");
        text = replaceOnce(text, "    tolerance: 0.05\n", "");

        // When it is loaded
        final ProviderOutageSettings settings = parse(text).providerOutage();

        // Then the documented defaults apply
        assertThat(settings.detection().defaultRetryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.steps().ramp().minSamples()).isEqualTo(20);
        assertThat(settings.steps().ramp().maxRegressions()).isEqualTo(1);
        assertThat(settings.baseline().tolerance()).isEqualTo(0.05);
    }

    @Test
    void shouldHaveNoBackupWhenSectionIsAbsent() {
        // Given a file without providerOutage.backup
        final String text = removeBlock(defaultText(), "  backup:");

        // When it is loaded
        final Runbook runbook = parse(text);

        // Then there is no backup provider
        assertThat(runbook.providerOutage().backup()).isNull();
    }

    @Test
    void shouldHaveNoBackupWhenSectionIsEmpty() {
        // Given an empty backup section
        final String text = replaceOnce(removeBlock(defaultText(), "  backup:"), "  steps:\n    # Sets backup.envVar",
                "  backup:\n  steps:\n    # Sets backup.envVar");

        // When it is loaded
        final Runbook runbook = parse(text);

        // Then there is no backup provider
        assertThat(runbook.providerOutage().backup()).isNull();
    }

    @Test
    void shouldHaveNoBackupWhenProviderIsEmpty() {
        // Given the backup provider overridden with ''
        final Runbook runbook = RunbookLoader.loadDefault(Map.of("providerOutage.backup.provider", ""));

        // Then there is no backup provider
        assertThat(runbook.providerOutage().backup()).isNull();
    }

    @Test
    void shouldReadEmptyContainerAsAllContainers() {
        // Given container ''
        final Runbook runbook = RunbookLoader.loadDefault(Map.of("providerOutage.api.container", ""));

        // Then the settings go to every container
        assertThat(runbook.providerOutage().api().container()).isNull();
    }

    @Test
    void shouldReadDeploymentEnvCarrier() {
        // Given the settings carried by the deployment's environment
        final Runbook runbook = RunbookLoader.loadDefault(Map.of("providerOutage.api.settings.carrier", "DeploymentEnv"));

        // Then the carrier is DEPLOYMENT_ENV
        assertThat(runbook.providerOutage().api().carrier())
                .isEqualTo(ProviderOutageSettings.SettingsCarrier.DEPLOYMENT_ENV);
    }

    @Test
    void shouldRejectUnknownCarrier() {
        // Given a carrier that is neither ConfigMap nor DeploymentEnv
        final String text = replaceOnce(defaultText(), "carrier: ConfigMap", "carrier: Secret");

        // When it is loaded
        // Then the key and value are named
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "carrier: Secret") + ", key providerOutage.api.settings.carrier: "
                        + "must be ConfigMap or DeploymentEnv, got 'Secret'");
    }

    @Test
    void shouldRejectInvalidHttpStatuses() {
        // Given a status below 100 and one that is not a number
        final String text = replaceOnce(defaultText(), "rateLimitStatuses: [429]", "rateLimitStatuses: [42, too-many]");

        // When it is loaded
        // Then each item is named
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).containsExactly(
                        "line " + lineOf(text, "[42, too-many]") + ", key providerOutage.detection.rateLimitStatuses[0]: "
                                + "must be between 100 and 599, got 42",
                        "line " + lineOf(text, "[42, too-many]") + ", key providerOutage.detection.rateLimitStatuses[1]: "
                                + "expected a whole number, got 'too-many'"));
    }

    @Test
    void shouldRejectStatusInTwoLists() {
        // Given 401 both as an outage and as a configuration fault
        final String text = replaceOnce(defaultText(), "outageStatuses: [500, 502, 503, 504, 529]",
                "outageStatuses: [500, 502, 503, 504, 529, 401]");

        // When it is loaded
        // Then the overlap is reported, because a 401 must never fail over
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "authStatuses: [401, 403]")
                        + ", key providerOutage.detection.authStatuses: status [401] is also in "
                        + "providerOutage.detection.outageStatuses");
    }

    @Test
    void shouldRejectRampNotEndingAtHundred() {
        // Given a ramp that stops at 90 %
        final String text = replaceOnce(defaultText(), "percents: [10, 25, 50, 100]", "percents: [10, 25, 50, 90]");

        // When it is loaded
        // Then the whole list is shown
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).containsExactly(
                        "line " + lineOf(text, "percents: [10, 25, 50, 90]") + ", key providerOutage.steps.ramp.percents: "
                                + "must end at 100, got [10, 25, 50, 90]"));
    }

    @Test
    void shouldReportOnlyOutOfRangePercent() {
        // Given a percent of 0 and a repeated percent
        final String text = replaceOnce(defaultText(), "percents: [10, 25, 50, 100]", "percents: [0, 25, 25, 100]");

        // When it is loaded
        // Then only the invalid item is reported: order checks wait for a list that reads cleanly
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).containsExactly(
                        "line " + lineOf(text, "percents: [0, 25, 25, 100]") + ", key providerOutage.steps.ramp.percents[0]: "
                                + "must be between 1 and 100, got 0"));
    }

    @Test
    void shouldRejectEmptyRampAndRepeatedPercent() {
        // Given a repeated percent
        final String repeated = replaceOnce(defaultText(), "percents: [10, 25, 50, 100]", "percents: [10, 50, 50, 100]");
        // And an empty ramp
        final String empty = replaceOnce(defaultText(), "percents: [10, 25, 50, 100]", "percents: []");

        // When they are loaded
        // Then each is reported
        assertThatThrownBy(() -> parse(repeated))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("key providerOutage.steps.ramp.percents[2]: must be strictly increasing, "
                        + "got [10, 50, 50, 100]");
        assertThatThrownBy(() -> parse(empty))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("key providerOutage.steps.ramp.percents: needs at least one percent, the last 100");
    }

    @Test
    void shouldRejectInvalidSettingsKeys() {
        // Given a key starting with a digit and a percent key with a space
        String text = replaceOnce(defaultText(), "RAG_UNKNOWN_QUESTIONS: refuse}", "1RAG_UNKNOWN: refuse}");
        text = replaceOnce(text, "percentKey: RAG_PRIMARY_TRAFFIC_PERCENT", "percentKey: 'primary percent'");
        final String file = text;

        // When it is loaded
        // Then both keys are named
        assertThatThrownBy(() -> parse(file))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(file, "1RAG_UNKNOWN")
                                + ", key providerOutage.steps.fallbackMode.values.1RAG_UNKNOWN: must be an environment"))
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(file, "'primary percent'")
                                + ", key providerOutage.steps.ramp.percentKey: must be an environment"))
                        .hasSize(2));
    }

    @Test
    void shouldRejectEmptySettingsValues() {
        // Given a throttle step that sets nothing
        final String text = replaceOnce(defaultText(),
                "values: {RAG_MAX_REQUESTS_PER_SECOND: '5', RAG_LONG_REQUESTS: worker-queue}", "values: {}");

        // When it is loaded
        // Then the step is reported
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "values: {}")
                        + ", key providerOutage.steps.throttle.values: needs at least one key");
    }

    @Test
    void shouldRejectMaxWaitWithinHealthyFor() {
        // Given a provider that could never count as healthy before the wait ends
        final String text = replaceOnce(defaultText(), "maxWait: 4h", "maxWait: 10m");

        // When it is loaded
        // Then maxWait is reported
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "maxWait: 10m") + ", key providerOutage.steps.awaitRecovery.maxWait: "
                        + "must be longer than healthyFor (10m), got 10m");
    }

    @Test
    void shouldRejectBaselineOutsideZeroToOne() {
        // Given a citation hit rate written as a percent
        final String text = replaceOnce(defaultText(), "citationHitRate: 0.82", "citationHitRate: 82");

        // When it is loaded
        // Then the key is named
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "citationHitRate: 82")
                        + ", key providerOutage.baseline.citationHitRate: must be between 0 and 1, got 82");
    }

    @Test
    void shouldRejectInvalidBackup() {
        // Given a backup provider with upper-case letters and no envVar
        final String text = replaceOnce(replaceOnce(defaultText(), "provider: backup-llm\n    # Environment",
                "provider: Backup_LLM\n    # Environment"), "    envVar: PROVIDER\n", "");

        // When it is loaded
        // Then both are reported
        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(text, "provider: Backup_LLM")
                                + ", key providerOutage.backup.provider: must be a provider name"))
                        .anySatisfy(p -> assertThat(p).endsWith("key providerOutage.backup.envVar: missing")));
    }
}
