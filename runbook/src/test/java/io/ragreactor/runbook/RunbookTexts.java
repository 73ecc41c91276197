package io.ragreactor.runbook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runbook texts for tests: the shipped default, edits of it, and the line of a fragment. */
final class RunbookTexts {

    private RunbookTexts() {
    }

    static String defaultText() {
        try (InputStream in = RunbookLoader.class.getResourceAsStream(RunbookLoader.DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code text} as file test.yaml, reading sibling files such as the golden set from the classpath. */
    static Runbook parse(final String text) {
        return RunbookLoader.parse(text, "test.yaml", Map.of(), name -> {
            try (InputStream in = RunbookLoader.class.getResourceAsStream("/io/ragreactor/runbook/" + name)) {
                if (in == null) {
                    throw new IOException(name + " not found");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }

    /** Replaces {@code fragment}, which must occur exactly once, so an edit of the default cannot miss silently. */
    static String replaceOnce(final String text, final String fragment, final String replacement) {
        final int first = text.indexOf(fragment);
        if (first < 0 || text.indexOf(fragment, first + 1) >= 0) {
            throw new AssertionError("expected exactly one '" + fragment + "' in the runbook text");
        }
        return text.substring(0, first) + replacement + text.substring(first + fragment.length());
    }

    /** Removes the line {@code header} and every following line indented deeper, or blank, that belongs to it. */
    static String removeBlock(final String text, final String header) {
        final String[] lines = text.split("\n", -1);
        final List<String> kept = new ArrayList<>();
        final int indent = header.length() - header.stripLeading().length();
        boolean inBlock = false;
        boolean found = false;
        for (final String line : lines) {
            if (!found && line.equals(header)) {
                inBlock = true;
                found = true;
                continue;
            }
            if (inBlock && (line.isBlank() || line.length() - line.stripLeading().length() > indent)) {
                continue;
            }
            inBlock = false;
            kept.add(line);
        }
        if (!found) {
            throw new AssertionError("no line '" + header + "' in the runbook text");
        }
        return String.join("\n", kept);
    }

    /** Returns the 1-based line of the only line containing {@code fragment}. */
    static int lineOf(final String text, final String fragment) {
        final String[] lines = text.split("\n", -1);
        int found = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(fragment)) {
                if (found >= 0) {
                    throw new AssertionError("'" + fragment + "' is on more than one line");
                }
                found = i + 1;
            }
        }
        if (found < 0) {
            throw new AssertionError("'" + fragment + "' not in text");
        }
        return found;
    }
}
