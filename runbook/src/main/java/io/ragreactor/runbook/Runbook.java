package io.ragreactor.runbook;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The validated runbook file: every site-specific name, threshold and deadline the reactor resolves
 * into commands. Load it with {@link RunbookLoader}.
 */
public record Runbook(String version, String namespace, Duration allowedSkew, List<TargetRule> targets,
                      List<AlertRule> alerts, ShardDownSettings shardDown, ProviderOutageSettings providerOutage,
                      BootstrapDeadlockSettings bootstrapDeadlock, SafetyNets safetyNets,
                      Policies policies, Escalation escalation, String source) {

    /**
     * Policies for every target: after a recovery the target is in cooldown, and within it only
     * {@code repeatsInCooldown} more incidents run their ladder before the next goes straight to a human.
     * {@code dryRun} names the scenarios whose commands only report what they would change, and
     * {@code budget} caps how much automation acts at once.
     */
    public record Policies(Duration cooldown, int repeatsInCooldown, DryRun dryRun, Budget budget) {
    }

    /**
     * The fleet-wide blast-radius budget: at most {@code maxConcurrentIncidents} incidents active at once
     * and at most {@code maxUnhealthyShards} shards marked unhealthy at once. An incident beyond a cap
     * escalates instead of acting; an incident whose first step gets no decision within
     * {@code decisionTimeout} escalates too.
     */
    public record Budget(int maxConcurrentIncidents, int maxUnhealthyShards, Duration decisionTimeout) {

        public static final Budget DEFAULT = new Budget(10, 2, Duration.ofSeconds(30));
    }

    /**
     * Scenarios whose commands are issued with their dry-run flag set, so actuators report the calls they
     * would make and change nothing; {@code all} covers every scenario.
     */
    public record DryRun(boolean all, Set<String> scenarios) {

        /** Scenario keys, as the runbook's top-level sections name them. */
        public static final Set<String> SCENARIOS = Set.of("shardDown", "providerOutage", "bootstrapDeadlock");

        /** No scenario in dry run. */
        public static final DryRun NONE = new DryRun(false, Set.of());

        /** Returns whether commands of the scenario with this key (one of {@link #SCENARIOS}) are dry runs. */
        public boolean appliesTo(final String scenarioKey) {
            return all || scenarios.contains(scenarioKey);
        }
    }

    /** Loads the shipped default runbook of the demo stack. */
    public static Runbook defaults() {
        return RunbookLoader.loadDefault(Map.of());
    }

    public static Runbook load(final Path file) {
        return RunbookLoader.load(file, Map.of());
    }

    /** Returns the rule for alerts named {@code alertName}, or empty when the runbook maps no such alert. */
    public Optional<AlertRule> alertRule(final String alertName) {
        for (final AlertRule rule : alerts) {
            if (rule.alertName().equals(alertName)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    /** Returns the target of a source name of the given kind ("pod", "shard" or "provider"), by the first matching rule. */
    public Optional<String> targetFor(final String sourceKind, final String name) {
        return targetFor(sourceKind, name, namespace);
    }

    /**
     * Returns the target in {@code targetNamespace} of a source name of the given kind, by the first matching
     * rule. Sources that carry their own namespace use it, such as an alert with a namespace label.
     */
    public Optional<String> targetFor(final String sourceKind, final String name, final String targetNamespace) {
        for (final TargetRule rule : targets) {
            if (rule.source().equals(sourceKind)) {
                final Optional<String> target = rule.target(targetNamespace, name);
                if (target.isPresent()) {
                    return target;
                }
            }
        }
        return Optional.empty();
    }
}
