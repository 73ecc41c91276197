package io.ragreactor.actuators.execution;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks names and parameters of a command against the Kubernetes naming rules (DNS-1123 labels and
 * subdomains, label keys and values) and the configured namespace scope, before any external call.
 */
public final class Guards {

    private static final int LABEL_MAX = 63;
    private static final int SUBDOMAIN_MAX = 253;
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Set<String> allowedNamespaces;

    public Guards(final Set<String> allowedNamespaces) {
        this.allowedNamespaces = Set.copyOf(allowedNamespaces);
    }

    /** Returns whether {@code value} is a DNS-1123 label: at most 63 lower-case alphanumerics or '-', alphanumeric at both ends. */
    public static boolean isDnsLabel(final String value) {
        return value != null && value.length() <= LABEL_MAX && DNS_LABEL.matcher(value).matches();
    }

    /** Returns whether {@code value} is a DNS-1123 subdomain: at most 253 characters of dot-separated labels. */
    public static boolean isDnsSubdomain(final String value) {
        return value != null && value.length() <= SUBDOMAIN_MAX && DNS_SUBDOMAIN.matcher(value).matches();
    }

    /** Returns whether {@code value} is a valid label value: empty, or at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends. */
    public static boolean isLabelValue(final String value) {
        return value != null && (value.isEmpty() || value.length() <= LABEL_MAX && LABEL_NAME.matcher(value).matches());
    }

    /** Returns whether {@code value} is a valid label key: an optional DNS-1123 subdomain prefix and '/', then a label name. */
    public static boolean isLabelKey(final String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        final int slash = value.indexOf('/');
        final String name = slash < 0 ? value : value.substring(slash + 1);
        if (slash >= 0 && !isDnsSubdomain(value.substring(0, slash))) {
            return false;
        }
        return !name.isEmpty() && name.length() <= LABEL_MAX && LABEL_NAME.matcher(name).matches();
    }

    /** Rejects a namespace that is not a DNS-1123 label or not among the allowed namespaces. */
    public void namespace(final String field, final String value) throws GuardRejection {
        dnsLabel(field, value);
        if (!allowedNamespaces.contains(value)) {
            throw new GuardRejection(OutcomeReason.NAMESPACE_NOT_ALLOWED, field + " [" + value
                    + "] is not in the allowed namespaces " + allowedNamespaces.stream().sorted().toList());
        }
    }

    public void dnsLabel(final String field, final String value) throws GuardRejection {
        if (!isDnsLabel(value)) {
            throw invalidName(field, value, "a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-',"
                    + " starting and ending with a letter or digit)");
        }
    }

    public void dnsSubdomain(final String field, final String value) throws GuardRejection {
        if (!isDnsSubdomain(value)) {
            throw invalidName(field, value, "a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, '-'"
                    + " and '.')");
        }
    }

    public void labelValue(final String field, final String value) throws GuardRejection {
        if (!isLabelValue(value)) {
            throw invalidName(field, value, "a label value (at most 63 characters of A-Z, a-z, 0-9, '-', '_'"
                    + " and '.', starting and ending with a letter or digit)");
        }
    }

    /** Rejects an empty selector, or one with an invalid label key or value. */
    public void labelSelector(final String field, final Map<String, String> selector) throws GuardRejection {
        if (selector == null || selector.isEmpty()) {
            throw new GuardRejection(OutcomeReason.INVALID_PARAMETER, field
                    + " is empty, so it would select every pod of the namespace");
        }
        for (final Map.Entry<String, String> label : selector.entrySet()) {
            if (!isLabelKey(label.getKey())) {
                throw invalidName(field + " key", label.getKey(), "a label key");
            }
            labelValue(field + "[" + label.getKey() + "]", label.getValue());
        }
    }

    public void envName(final String field, final String value) throws GuardRejection {
        if (value == null || !ENV_NAME.matcher(value).matches()) {
            throw invalidName(field, value, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
        }
    }

    /** Rejects a parameter for which {@code valid} is false. */
    public void parameter(final boolean valid, final String field, final Object value, final String rule)
            throws GuardRejection {
        if (!valid) {
            throw new GuardRejection(OutcomeReason.INVALID_PARAMETER, field + " [" + value + "] is invalid: " + rule);
        }
    }

    private static GuardRejection invalidName(final String field, final String value, final String rule) {
        return new GuardRejection(OutcomeReason.INVALID_NAME, field + " [" + value + "] is not " + rule);
    }
}
