package io.ragreactor.runbook;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates the {@code alerts} section of a runbook file. */
final class AlertRulesReader {

    /** Label names as Prometheus defines them. */
    private static final Pattern LABEL_NAME = Pattern.compile("^[a-zA-Z_][a-zA-Z0-9_]*$");
    /** Alert names in the form Prometheus requires of an alerting rule's name, that of a metric name. */
    private static final Pattern ALERT_NAME = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*$");
    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;

    private AlertRulesReader() {
    }

    /** Reads the rules, or returns none when the runbook has no {@code alerts} section. */
    static List<AlertRule> read(final YamlReader reader, final YamlReader.Section top, final List<TargetRule> targets) {
        if (!top.has("alerts")) {
            return List.of();
        }
        final Set<String> sources = new HashSet<>();
        targets.forEach(rule -> sources.add(rule.source()));
        final Set<String> seen = new HashSet<>();
        final List<AlertRule> rules = top.list("alerts", rule -> readRule(reader, rule, sources));
        for (int i = 0; i < rules.size(); i++) {
            final String name = rules.get(i).alertName();
            if (!name.isEmpty() && !seen.add(name)) {
                reader.problem(top.item("alerts", i), top.key("alerts") + "[" + i + "].alertname",
                        "alert '" + name + "' has a rule already; each alert name may have one rule");
            }
        }
        return List.copyOf(rules);
    }

    private static AlertRule readRule(final YamlReader reader, final YamlReader.Section rule, final Set<String> sources) {
        rule.allowOnly(Set.of("alertname", "symptom", "targetLabel", "statusLabel", "httpStatus"));
        final String alertName = rule.nonBlank("alertname");
        if (!alertName.isEmpty() && !ALERT_NAME.matcher(alertName).matches()) {
            reader.problem(rule.node("alertname"), rule.key("alertname"),
                    "must be letters, digits, underscores or colons, not starting with a digit, got '" + alertName + "'");
        }

        final String symptomKey = rule.nonBlank("symptom");
        final AlertRule.Symptom symptom = AlertRule.Symptom.byKey(symptomKey).orElse(null);
        if (symptom == null && !symptomKey.isEmpty()) {
            reader.problem(rule.node("symptom"), rule.key("symptom"), "unknown symptom '" + symptomKey
                    + "'; expected one of " + String.join(", ",
                    Arrays.stream(AlertRule.Symptom.values()).map(AlertRule.Symptom::key).toList()));
        }

        final String targetLabel = labelName(reader, rule, "targetLabel", rule.nonBlank("targetLabel"));
        if (!targetLabel.isEmpty() && !sources.contains(targetLabel)) {
            reader.problem(rule.node("targetLabel"), rule.key("targetLabel"), "no targets rule has source '"
                    + targetLabel + "'; expected one of " + String.join(", ", sources.stream().sorted().toList()));
        }

        final String statusLabel = rule.has("statusLabel")
                ? labelName(reader, rule, "statusLabel", rule.nonBlank("statusLabel")) : null;
        final Integer httpStatus = rule.has("httpStatus") ? rule.integer("httpStatus", MIN_STATUS, MAX_STATUS) : null;
        if (symptom == AlertRule.Symptom.PROVIDER_ERROR && (statusLabel == null) == (httpStatus == null)) {
            reader.problem(rule.at(), rule.key("statusLabel"),
                    "a providerError rule needs exactly one of statusLabel (the label containing the HTTP status) "
                            + "and httpStatus (a fixed status)");
        }
        if (symptom != null && symptom != AlertRule.Symptom.PROVIDER_ERROR && (statusLabel != null || httpStatus != null)) {
            reader.problem(rule.at(), rule.key(statusLabel != null ? "statusLabel" : "httpStatus"),
                    "only a providerError rule takes an HTTP status, but symptom is " + symptom.key());
        }
        return new AlertRule(alertName, symptom, targetLabel, statusLabel, httpStatus);
    }

    private static String labelName(final YamlReader reader, final YamlReader.Section rule, final String key,
                                    final String value) {
        if (!value.isEmpty() && !LABEL_NAME.matcher(value).matches()) {
            reader.problem(rule.node(key), rule.key(key),
                    "must be a Prometheus label name (letters, digits and underscores, not starting with a digit), got '"
                            + value + "'");
        }
        return value;
    }
}
