package io.ragreactor.schemas.target;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A target of the RAG stack, {@code namespace/component/instance}, each part a valid Kubernetes name
 * (a DNS-1123 label: lower-case letters, digits and dashes, starting and ending with a letter or digit,
 * at most 63 characters). Parsing is the one check that keeps path and shell characters out of names.
 */
public record Target(String namespace, String component, String instance) {

    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

    public Target {
        requireLabel("namespace", namespace);
        requireLabel("component", component);
        requireLabel("instance", instance);
    }

    /** Parses {@code text}, or returns empty when it is not three valid names joined by slashes. */
    public static Optional<Target> parse(final String text) {
        if (text == null) {
            return Optional.empty();
        }
        final String[] parts = text.split("/", -1);
        if (parts.length != 3 || !isDnsLabel(parts[0]) || !isDnsLabel(parts[1]) || !isDnsLabel(parts[2])) {
            return Optional.empty();
        }
        return Optional.of(new Target(parts[0], parts[1], parts[2]));
    }

    /** Whether {@code name} is a valid DNS-1123 label, the rule for namespaces and most resource names. */
    public static boolean isDnsLabel(final String name) {
        return name != null && DNS_LABEL.matcher(name).matches();
    }

    private static void requireLabel(final String part, final String value) {
        if (!isDnsLabel(value)) {
            throw new IllegalArgumentException("target " + part + " '" + value + "' is not a valid Kubernetes name");
        }
    }

    @Override
    public String toString() {
        return namespace + "/" + component + "/" + instance;
    }
}
