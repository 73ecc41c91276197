package io.ragreactor.runbook;

import static io.ragreactor.runbook.RunbookTexts.defaultText;
import static io.ragreactor.runbook.RunbookTexts.lineOf;
import static io.ragreactor.runbook.RunbookTexts.parse;
import static io.ragreactor.runbook.RunbookTexts.removeBlock;
import static io.ragreactor.runbook.RunbookTexts.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class SafetyNetsTest {

    @Test
    void shouldLoadShippedSnapshots() {
        // Given the shipped default
        final SafetyNets.Snapshots snapshots = Runbook.defaults().safetyNets().snapshots();

        // Then the daily snapshot carries the documented values
        assertThat(snapshots.enabled()).isTrue();
        assertThat(snapshots.at()).isEqualTo(LocalTime.of(1, 0));
        assertThat(snapshots.retentionDays()).isEqualTo(10);
        assertThat(snapshots.keepAtLeast()).isEqualTo(1);
        assertThat(snapshots.job()).isEqualTo(new ShardDownSettings.JobTemplate("snapshot-{shard}",
                "registry.example.internal/rag/snapshot-tool:1.4", List.of("snapshot-tool", "create", "--from", "/data/index"),
                0, Duration.ofMinutes(30)));
        assertThat(snapshots.deadline()).isEqualTo(Duration.ofMinutes(40));
    }

    @Test
    void shouldLoadShippedRestoreDrillAndCredentialProbe() {
        // Given the shipped default
        final SafetyNets safetyNets = Runbook.defaults().safetyNets();

        // Then the drill and the probe carry the documented values
        assertThat(safetyNets.restoreDrill()).isEqualTo(new SafetyNets.RestoreDrill(true, 1, LocalTime.of(3, 0),
                "rag-drill", Duration.ofHours(1)));
        assertThat(safetyNets.credentialProbe()).isEqualTo(new SafetyNets.CredentialProbe(true, Duration.ofHours(6),
                "backup-llm", "https://backup-llm.example.internal/v1/models", "backup-llm-api-key", Duration.ofMinutes(2)));
    }

    @Test
    void shouldApplyDefaultsOfOptionalKeys() {
        // Given a file without keepAtLeast and without any enabled key of the safety nets
        String text = defaultText();
        text = replaceOnce(text, "    keepAtLeast: 1\n", "");
        text = text.replace("    # Default true.\n    enabled: true\n", "");

        // When it is loaded
        final SafetyNets safetyNets = parse(text).safetyNets();

        // Then the documented defaults apply
        assertThat(safetyNets.snapshots().keepAtLeast()).isEqualTo(1);
        assertThat(safetyNets.snapshots().enabled()).isTrue();
        assertThat(safetyNets.restoreDrill().enabled()).isTrue();
        assertThat(safetyNets.credentialProbe().enabled()).isTrue();
    }

    @Test
    void shouldReadUnquotedTimeOfDayAsWritten() {
        // Given at: 1:00 without quotes, which a YAML 1.1 resolver turns into the base-60 number 60
        final String text = replaceOnce(defaultText(), "at: '01:00'", "at: 1:00");
        assertThat(new Yaml().<Map<String, Object>>load("at: 1:00").get("at")).isEqualTo(60);

        // When it is loaded
        final SafetyNets.Snapshots snapshots = parse(text).safetyNets().snapshots();

        // Then the time of day is one o'clock, because the loader reads the text as written
        assertThat(snapshots.at()).isEqualTo(LocalTime.of(1, 0));
    }

    @Test
    void shouldRejectInvalidTimesOfDay() {
        // Given a time written as 1am and one with seconds
        String text = replaceOnce(defaultText(), "at: '01:00'", "at: '1am'");
        text = replaceOnce(text, "at: '03:00'", "at: '03:00:00'");
        final String file = text;

        // When it is loaded
        // Then both are reported with their keys
        assertThatThrownBy(() -> parse(file))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).containsExactly(
                        "line " + lineOf(file, "'1am'") + ", key safetyNets.snapshots.at: "
                                + "expected a time of day as HH:mm from 00:00 to 23:59, got '1am'",
                        "line " + lineOf(file, "'03:00:00'") + ", key safetyNets.restoreDrill.at: "
                                + "expected a time of day as HH:mm from 00:00 to 23:59, got '03:00:00'"));
    }

    @Test
    void shouldRejectRetentionAndDayOutOfRange() {
        // Given a retention of 3 days and a drill on day 31
        String text = replaceOnce(defaultText(), "retentionDays: 10", "retentionDays: 3");
        text = replaceOnce(text, "dayOfMonth: 1", "dayOfMonth: 31");
        final String file = text;

        // When it is loaded
        // Then both are reported
        assertThatThrownBy(() -> parse(file))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).containsExactly(
                        "line " + lineOf(file, "retentionDays: 3") + ", key safetyNets.snapshots.retentionDays: "
                                + "must be between 7 and 14, got 3",
                        "line " + lineOf(file, "dayOfMonth: 31") + ", key safetyNets.restoreDrill.dayOfMonth: "
                                + "must be between 1 and 28, got 31"));
    }

    @Test
    void shouldRejectScratchNamespaceEqualToNamespace() {
        // Given the stack's namespace overridden to the drill's scratch namespace
        // When the default is loaded
        // Then the drill's namespace is reported
        assertThatThrownBy(() -> RunbookLoader.loadDefault(Map.of("namespace", "rag-drill")))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("key safetyNets.restoreDrill.scratchNamespace: must differ from namespace 'rag-drill'");
    }

    @Test
    void shouldRejectProbeOfNonBackupProvider() {
        // Given a probe of a provider the ladder never switches to
        final String text = replaceOnce(defaultText(), "provider: backup-llm\n    # An http://",
                "provider: other-llm\n    # An http://");

        // When it is loaded
        // Then the probe's provider is reported
        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(RunbookException.class)
                .hasMessageContaining("line " + lineOf(text, "provider: other-llm") + ", key safetyNets.credentialProbe.provider: "
                        + "must be the backup provider 'backup-llm' named in providerOutage.backup.provider, got 'other-llm'");
    }

    @Test
    void shouldAcceptProbeOfAnyProviderWithoutBackup() {
        // Given no backup provider and a probe of another provider
        final String text = replaceOnce(removeBlock(defaultText(), "  backup:"), "provider: backup-llm\n    # An http://",
                "provider: other-llm\n    # An http://");

        // When it is loaded
        final Runbook runbook = parse(text);

        // Then the probe keeps its provider
        assertThat(runbook.providerOutage().backup()).isNull();
        assertThat(runbook.safetyNets().credentialProbe().provider()).isEqualTo("other-llm");
    }

    @Test
    void shouldRejectInvalidProbeUrlAndCredentialRef() {
        // Given an ftp URL and a credential reference that looks like a sentence
        String text = replaceOnce(defaultText(), "probeUrl: https://", "probeUrl: ftp://");
        text = replaceOnce(text, "credentialRef: backup-llm-api-key", "credentialRef: 'the api key'");
        final String file = text;

        // When it is loaded
        // Then both are reported
        assertThatThrownBy(() -> parse(file))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(file, "probeUrl: ftp://")
                                + ", key safetyNets.credentialProbe.probeUrl: must be an http:// or https:// URL"))
                        .anySatisfy(p -> assertThat(p).startsWith("line " + lineOf(file, "'the api key'")
                                + ", key safetyNets.credentialProbe.credentialRef: must be an environment variable"))
                        .hasSize(2));
    }
}
