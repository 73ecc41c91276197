package io.ragreactor.runbook;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The validated runbook file: every site-specific name, threshold and deadline the reactor resolves
 * into commands. Load it with {@link RunbookLoader}.
 */
public record Runbook(String version, String namespace, Duration allowedSkew, List<TargetRule> targets,
                      ShardDownSettings shardDown, Policies policies, Escalation escalation, String source) {

    /**
     * Policies for every target: after a recovery the target is in cooldown, and within it only
     * {@code repeatsInCooldown} more incidents run their ladder before the next goes straight to a human.
     */
    public record Policies(Duration cooldown, int repeatsInCooldown) {
    }

    /** Loads the shipped default runbook of the demo stack. */
    public static Runbook defaults() {
        return RunbookLoader.loadDefault(Map.of());
    }

    public static Runbook load(final Path file) {
        return RunbookLoader.load(file, Map.of());
    }

    /** Returns the target of a source name of the given kind ("pod" or "shard"), by the first matching rule. */
    public Optional<String> targetFor(final String sourceKind, final String name) {
        for (final TargetRule rule : targets) {
            if (rule.source().equals(sourceKind)) {
                final Optional<String> target = rule.target(namespace, name);
                if (target.isPresent()) {
                    return target;
                }
            }
        }
        return Optional.empty();
    }
}
