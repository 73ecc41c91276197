package io.ragreactor.runbook;

import static io.ragreactor.runbook.RunbookTexts.defaultText;
import static io.ragreactor.runbook.RunbookTexts.lineOf;
import static io.ragreactor.runbook.RunbookTexts.parse;
import static io.ragreactor.runbook.RunbookTexts.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AlertRulesTest {

    private static final String RATE_LIMIT_RULE =
            "  - {alertname: LLMRateLimited, symptom: providerError, targetLabel: provider, httpStatus: 429}";

    @Test
    void shouldLoadShippedAlertRules() {
        final Runbook runbook = Runbook.defaults();

        assertThat(runbook.alerts()).extracting(AlertRule::alertName).containsExactly("RetrieverEmptyResults",
                "ShardUnavailable", "VectorstoreIndexIOError", "RAGErrorSpike", "LLMAuthFail", "LLMRateLimited");
        assertThat(runbook.alertRule("RetrieverEmptyResults")).contains(
                new AlertRule("RetrieverEmptyResults", AlertRule.Symptom.EMPTY_RESULTS, "shard", null, null));
        assertThat(runbook.alertRule("RAGErrorSpike")).contains(
                new AlertRule("RAGErrorSpike", AlertRule.Symptom.PROVIDER_ERROR, "provider", "code", null));
        assertThat(runbook.alertRule("LLMRateLimited")).contains(
                new AlertRule("LLMRateLimited", AlertRule.Symptom.PROVIDER_ERROR, "provider", null, 429));
        assertThat(runbook.alertRule("SomethingElse")).isEmpty();
    }

    @Test
    void shouldHaveNoRulesWithoutSection() {
        final String text = defaultText();
        final int start = text.indexOf("\n# How the Alertmanager receiver");
        final int end = text.indexOf("\n# Scenario A");
        final Runbook runbook = parse(text.substring(0, start) + text.substring(end));

        assertThat(runbook.alerts()).isEmpty();
    }

    @Test
    void shouldRejectUnknownSymptomWithItsLine() {
        final String text = replaceOnce(defaultText(), "symptom: shardUnavailable", "symptom: shardDown");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).singleElement()
                        .asString()
                        .contains("line " + lineOf(text, "symptom: shardDown"))
                        .contains("key alerts[1].symptom")
                        .contains("unknown symptom 'shardDown'")
                        .contains("emptyResults, shardUnavailable, indexIoError, providerError"));
    }

    @Test
    void shouldRejectTargetLabelWithoutTargetsRule() {
        final String text = replaceOnce(defaultText(), "symptom: emptyResults, targetLabel: shard",
                "symptom: emptyResults, targetLabel: instance");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).singleElement()
                        .asString()
                        .contains("key alerts[0].targetLabel")
                        .contains("no targets rule has source 'instance'")
                        .contains("pod, provider, shard"));
    }

    @Test
    void shouldRejectInvalidNames() {
        final String text = replaceOnce(replaceOnce(defaultText(), "alertname: ShardUnavailable",
                "alertname: 'Shard Unavailable'"), "statusLabel: code}\n  - {alertname: LLMAuthFail",
                "statusLabel: 'http-code'}\n  - {alertname: LLMAuthFail");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).contains("key alerts[1].alertname")
                                .contains("got 'Shard Unavailable'"))
                        .anySatisfy(p -> assertThat(p).contains("key alerts[3].statusLabel")
                                .contains("must be a Prometheus label name").contains("got 'http-code'")));
    }

    @Test
    void shouldRejectDuplicateAlertName() {
        final String text = replaceOnce(defaultText(), "alertname: LLMAuthFail", "alertname: RAGErrorSpike");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).singleElement()
                        .asString()
                        .contains("key alerts[4].alertname")
                        .contains("alert 'RAGErrorSpike' has a rule already"));
    }

    @Test
    void shouldRequireExactlyOneStatusForProviderError() {
        final String both = replaceOnce(defaultText(), "httpStatus: 429}", "httpStatus: 429, statusLabel: code}");
        final String none = replaceOnce(defaultText(), ", httpStatus: 429}", "}");

        assertThatThrownBy(() -> parse(both))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().contains("key alerts[5].statusLabel").contains("exactly one of statusLabel"));
        assertThatThrownBy(() -> parse(none))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().contains("key alerts[5].statusLabel").contains("exactly one of statusLabel"));
    }

    @Test
    void shouldRejectInvalidOrMisplacedStatus() {
        final String text = replaceOnce(replaceOnce(defaultText(), RATE_LIMIT_RULE,
                        RATE_LIMIT_RULE.replace("429", "42")), "symptom: shardUnavailable, targetLabel: shard",
                "symptom: shardUnavailable, targetLabel: shard, httpStatus: 503");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems())
                        .anySatisfy(p -> assertThat(p).contains("key alerts[5].httpStatus")
                                .contains("must be between 100 and 599, got 42"))
                        .anySatisfy(p -> assertThat(p).contains("key alerts[1].httpStatus")
                                .contains("only a providerError rule takes an HTTP status")));
    }

    @Test
    void shouldRejectUnknownKey() {
        final String text = replaceOnce(defaultText(), "symptom: shardUnavailable,", "symptom: shardUnavailable, label: x,");

        assertThatThrownBy(() -> parse(text))
                .isInstanceOfSatisfying(RunbookException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().contains("key alerts[1].label: unknown key"));
    }
}
