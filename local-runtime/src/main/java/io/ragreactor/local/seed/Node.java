package io.ragreactor.local.seed;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A value in the parsed YAML tree together with its key path, for error messages. */
final class Node {

    private final String source;
    private final String path;
    private final Object value;

    Node(final String source, final String path, final Object value) {
        this.source = source;
        this.path = path;
        this.value = value;
    }

    boolean has(final String key) {
        return value instanceof Map<?, ?> map && map.get(key) != null;
    }

    Node child(final String key) {
        final Map<String, Node> map = map();
        final Node child = map.get(key);
        if (child == null || child.value == null) {
            throw new SeedException(source + ": " + join(key) + ": missing key");
        }
        return child;
    }

    Map<String, Node> map() {
        if (!(value instanceof Map<?, ?> raw)) {
            throw invalid("expected a mapping");
        }
        final Map<String, Node> map = new LinkedHashMap<>();
        raw.forEach((key, child) -> map.put(String.valueOf(key), new Node(source, join(String.valueOf(key)), child)));
        return map;
    }

    List<Node> list() {
        if (!(value instanceof List<?> raw)) {
            throw invalid("expected a list");
        }
        final List<Node> list = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            list.add(new Node(source, path + "[" + i + "]", raw.get(i)));
        }
        return list;
    }

    String string() {
        if (value instanceof Map<?, ?> || value instanceof List<?> || value == null) {
            throw invalid("expected a string");
        }
        final String text = String.valueOf(value);
        if (text.isBlank()) {
            throw invalid("the value is empty");
        }
        return text;
    }

    /** Returns a scalar as text, where an empty string is allowed, unlike {@link #string()}. */
    String scalar() {
        if (value instanceof Map<?, ?> || value instanceof List<?> || value == null) {
            throw invalid("expected a string");
        }
        return String.valueOf(value);
    }

    int nonNegativeInt() {
        if (!(value instanceof Integer number) || number < 0) {
            throw invalid("expected a non-negative integer, got '" + value + "'");
        }
        return number;
    }

    /** Returns a number from 0 to 1; YAML gives an integer for {@code 0} and {@code 1}, and a double otherwise. */
    double fraction() {
        if (!(value instanceof Number number) || number.doubleValue() < 0 || number.doubleValue() > 1) {
            throw invalid("expected a number from 0 to 1, got '" + value + "'");
        }
        return number.doubleValue();
    }

    int positiveInt() {
        if (!(value instanceof Integer number) || number < 1) {
            throw invalid("expected a positive integer, got '" + value + "'");
        }
        return number;
    }

    boolean bool() {
        if (!(value instanceof Boolean flag)) {
            throw invalid("expected true or false, got '" + value + "'");
        }
        return flag;
    }

    Instant instant() {
        // An unquoted ISO timestamp arrives as java.util.Date from SnakeYAML's safe constructor.
        if (value instanceof Date date) {
            return date.toInstant();
        }
        try {
            return Instant.parse(string());
        } catch (final DateTimeParseException e) {
            throw invalid("expected an ISO-8601 instant such as 2026-11-29T01:07:30Z, got '" + value + "'");
        }
    }

    SeedException invalid(final String reason) {
        return new SeedException(source + ": " + (path.isEmpty() ? "<root>" : path) + ": " + reason);
    }

    private String join(final String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
