package io.ragreactor.actuators.escalate;

import io.ragreactor.actuators.execution.Guards;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the actuators' escalation channels, {@code name=url} pairs separated by commas. Names are
 * Kubernetes-style labels, as escalation commands name them; URLs are http or https and may carry a
 * token, so no message here repeats a URL.
 */
public final class EscalationChannels {

    private EscalationChannels() {
    }

    /** Returns the channels by name, in the configured order; throws when the text is invalid. */
    public static Map<String, URI> parse(final String text) {
        final String problem = problem(text);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        final Map<String, URI> channels = new LinkedHashMap<>();
        for (final String entry : entries(text)) {
            final int equals = entry.indexOf('=');
            channels.put(entry.substring(0, equals).trim(), URI.create(entry.substring(equals + 1).trim()));
        }
        return Collections.unmodifiableMap(channels);
    }

    /** Returns why {@code text} is not a valid list of channels, or null when it is. */
    public static String problem(final String text) {
        final Map<String, Boolean> seen = new LinkedHashMap<>();
        for (final String entry : entries(text)) {
            final int equals = entry.indexOf('=');
            if (equals < 0) {
                return "entry " + (seen.size() + 1) + " is not name=url";
            }
            final String name = entry.substring(0, equals).trim();
            if (!Guards.isDnsLabel(name)) {
                return "channel name [" + name + "] is not a DNS-1123 label";
            }
            if (seen.put(name, true) != null) {
                return "channel " + name + " is configured twice";
            }
            try {
                final URI url = new URI(entry.substring(equals + 1).trim());
                if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                    return "the URL of channel " + name + " is not an http or https URL with a host";
                }
            } catch (final URISyntaxException e) {
                return "the URL of channel " + name + " is not a valid URL";
            }
        }
        return null;
    }

    private static String[] entries(final String text) {
        return text == null || text.isBlank() ? new String[0] : text.trim().split("\\s*,\\s*");
    }
}
