package io.ragreactor.runbook;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps one kind of source name (a prober's shard field, a pod name) to a target's component and
 * instance; the pattern's named group {@code instance} becomes the instance.
 */
public record TargetRule(String source, Pattern pattern, String component) {

    /** The target {@code namespace/component/instance} for {@code name}, when this rule matches it. */
    public Optional<String> target(final String namespace, final String name) {
        final Matcher matcher = pattern.matcher(name);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(namespace + "/" + component + "/" + matcher.group("instance"));
    }
}
