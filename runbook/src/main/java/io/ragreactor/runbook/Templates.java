package io.ragreactor.runbook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Replaces {@code {shard}} and {@code {namespace}} placeholders in runbook templates. */
public final class Templates {

    /** Placeholders a template may use. */
    public static final Set<String> PLACEHOLDERS = Set.of("shard", "namespace");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

    private Templates() {
    }

    /** Returns {@code template} with each placeholder replaced by its value from {@code values}. */
    public static String render(final String template, final Map<String, String> values) {
        final Matcher matcher = PLACEHOLDER.matcher(template);
        final StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            final String value = values.get(matcher.group(1));
            if (value == null) {
                throw new IllegalArgumentException("no value for placeholder {" + matcher.group(1) + "} in " + template);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    public static List<String> renderAll(final List<String> templates, final Map<String, String> values) {
        final List<String> out = new ArrayList<>(templates.size());
        for (final String template : templates) {
            out.add(render(template, values));
        }
        return out;
    }

    public static Map<String, String> renderValues(final Map<String, String> templates, final Map<String, String> values) {
        final Map<String, String> out = new LinkedHashMap<>();
        templates.forEach((key, template) -> out.put(render(key, values), render(template, values)));
        return out;
    }

    /** Returns the placeholders in {@code template} that are not in {@link #PLACEHOLDERS}. */
    static List<String> unknownPlaceholders(final String template) {
        final Matcher matcher = PLACEHOLDER.matcher(template);
        final List<String> unknown = new ArrayList<>();
        while (matcher.find()) {
            if (!PLACEHOLDERS.contains(matcher.group(1))) {
                unknown.add("{" + matcher.group(1) + "}");
            }
        }
        return unknown;
    }
}
