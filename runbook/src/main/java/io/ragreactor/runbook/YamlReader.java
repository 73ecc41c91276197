package io.ragreactor.runbook;

import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads typed values out of a SnakeYAML node tree and collects every problem with its line and dotted
 * key, so one run reports all mistakes of a file. Getters return a placeholder after recording a
 * problem; callers check {@link #problems()} before using the result.
 */
final class YamlReader {

    private static final Pattern DURATION = Pattern.compile("^([0-9]+)(ms|s|m|h|d)$");
    private static final Pattern TIME_OF_DAY = Pattern.compile("^([01]?[0-9]|2[0-3]):([0-5][0-9])$");

    private final List<String> problems = new ArrayList<>();

    List<String> problems() {
        return problems;
    }

    void problem(final Node node, final String key, final String message) {
        final int line = node == null ? 0 : node.getStartMark().getLine() + 1;
        problems.add("line " + line + ", key " + key + ": " + message);
    }

    /** Returns a view of one mapping node at a dotted path, which reports keys it does not know. */
    Section section(final Node node, final String path) {
        if (!(node instanceof MappingNode mapping)) {
            problem(node, path, "expected a mapping of keys to values");
            return new Section(null, path, node);
        }
        return new Section(mapping, path, node);
    }

    final class Section {
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
        private final String path;
        private final Node node;

        private Section(final MappingNode mapping, final String path, final Node node) {
            this.path = path;
            this.node = node;
            if (mapping != null) {
                for (final NodeTuple tuple : mapping.getValue()) {
                    if (tuple.getKeyNode() instanceof ScalarNode key) {
                        entries.put(key.getValue(), tuple);
                    } else {
                        problem(tuple.getKeyNode(), path, "keys must be plain strings");
                    }
                }
            }
        }

        String key(final String name) {
            return path.isEmpty() ? name : path + "." + name;
        }

        /** Records a problem for every key of this mapping not in {@code known}. */
        void allowOnly(final Set<String> known) {
            for (final Map.Entry<String, NodeTuple> entry : entries.entrySet()) {
                if (!known.contains(entry.getKey())) {
                    problem(entry.getValue().getKeyNode(), key(entry.getKey()),
                            "unknown key; expected one of " + String.join(", ", known.stream().sorted().toList()));
                }
            }
        }

        Node node(final String name) {
            final NodeTuple tuple = entries.get(name);
            return tuple == null ? null : tuple.getValueNode();
        }

        boolean has(final String name) {
            return entries.containsKey(name);
        }

        /** Returns the keys of this mapping, in file order. */
        List<String> keys() {
            return List.copyOf(entries.keySet());
        }

        private Node required(final String name) {
            final Node value = node(name);
            if (value == null) {
                problem(node, key(name), "missing");
            }
            return value;
        }

        Section section(final String name) {
            final Node value = required(name);
            return value == null ? YamlReader.this.emptySection(key(name), node) : YamlReader.this.section(value, key(name));
        }

        String string(final String name) {
            final Node value = required(name);
            if (value == null) {
                return "";
            }
            if (!(value instanceof ScalarNode scalar)) {
                problem(value, key(name), "expected a single value");
                return "";
            }
            return scalar.getValue();
        }

        String string(final String name, final String defaultValue) {
            return has(name) ? string(name) : defaultValue;
        }

        String nonBlank(final String name) {
            final String value = string(name);
            if (value.isBlank() && node(name) != null) {
                problem(node(name), key(name), "must not be empty");
            }
            return value;
        }

        int integer(final String name, final int min, final int max) {
            final String text = string(name);
            if (node(name) == null) {
                return min;
            }
            return parseInteger(name, text, min, max);
        }

        int integer(final String name, final int min, final int max, final int defaultValue) {
            return has(name) ? integer(name, min, max) : defaultValue;
        }

        private int parseInteger(final String name, final String text, final int min, final int max) {
            try {
                final int value = Integer.parseInt(text.trim());
                if (value < min || value > max) {
                    problem(node(name), key(name), "must be between " + min + " and " + max + ", got " + value);
                }
                return value;
            } catch (final NumberFormatException e) {
                problem(node(name), key(name), "expected a whole number, got '" + text + "'");
                return min;
            }
        }

        /** Reads a required number from 0 to 1. */
        double fraction(final String name) {
            final String text = string(name);
            if (node(name) == null) {
                return 0;
            }
            try {
                final double value = Double.parseDouble(text.trim());
                if (value < 0 || value > 1) {
                    problem(node(name), key(name), "must be between 0 and 1, got " + text);
                }
                return value;
            } catch (final NumberFormatException e) {
                problem(node(name), key(name), "expected a number between 0 and 1, got '" + text + "'");
                return 0;
            }
        }

        /** Reads a number from 0 to 1, or returns {@code defaultValue} when the key is absent. */
        double fraction(final String name, final double defaultValue) {
            return has(name) ? fraction(name) : defaultValue;
        }

        /** Reads {@code true} or {@code false}, or returns {@code defaultValue} when the key is absent. */
        boolean bool(final String name, final boolean defaultValue) {
            if (!has(name)) {
                return defaultValue;
            }
            final String text = string(name);
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> {
                    problem(node(name), key(name), "expected true or false, got '" + text + "'");
                    yield defaultValue;
                }
            };
        }

        /** Reads a required time of day written as HH:mm (or H:mm), such as 01:00. */
        LocalTime timeOfDay(final String name) {
            final String text = string(name);
            if (node(name) == null) {
                return LocalTime.MIDNIGHT;
            }
            final Matcher matcher = TIME_OF_DAY.matcher(text.trim());
            if (!matcher.matches()) {
                problem(node(name), key(name), "expected a time of day as HH:mm from 00:00 to 23:59, got '" + text + "'");
                return LocalTime.MIDNIGHT;
            }
            return LocalTime.of(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)));
        }

        Duration duration(final String name) {
            final String text = string(name);
            if (node(name) == null) {
                return Duration.ZERO;
            }
            final Matcher matcher = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
            if (!matcher.matches()) {
                problem(node(name), key(name), "expected a duration such as 500ms, 30s, 5m, 2h or 1d, got '" + text + "'");
                return Duration.ZERO;
            }
            final long amount = Long.parseLong(matcher.group(1));
            final Duration value = switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            if (value.isZero()) {
                problem(node(name), key(name), "must be longer than zero");
            }
            return value;
        }

        Duration duration(final String name, final Duration defaultValue) {
            return has(name) ? duration(name) : defaultValue;
        }

        List<String> strings(final String name) {
            final Node value = required(name);
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof SequenceNode sequence)) {
                problem(value, key(name), "expected a list");
                return List.of();
            }
            final List<String> result = new ArrayList<>();
            for (int i = 0; i < sequence.getValue().size(); i++) {
                final Node item = sequence.getValue().get(i);
                if (item instanceof ScalarNode scalar) {
                    result.add(scalar.getValue());
                } else {
                    problem(item, key(name) + "[" + i + "]", "expected a single value");
                }
            }
            return result;
        }

        /** Reads a list of whole numbers, each from {@code min} to {@code max}; invalid items are left out. */
        List<Integer> integers(final String name, final int min, final int max) {
            final List<String> texts = strings(name);
            final List<Integer> result = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                final String itemKey = key(name) + "[" + i + "]";
                try {
                    final int value = Integer.parseInt(texts.get(i).trim());
                    if (value < min || value > max) {
                        problem(item(name, i), itemKey, "must be between " + min + " and " + max + ", got " + value);
                    } else {
                        result.add(value);
                    }
                } catch (final NumberFormatException e) {
                    problem(item(name, i), itemKey, "expected a whole number, got '" + texts.get(i) + "'");
                }
            }
            return result;
        }

        /** Returns item {@code index} of the list at {@code name}, or the key's value when it is not a list. */
        Node item(final String name, final int index) {
            final Node value = node(name);
            if (value instanceof SequenceNode sequence && index < sequence.getValue().size()) {
                return sequence.getValue().get(index);
            }
            return value;
        }

        List<Pattern> patterns(final String name) {
            final List<Pattern> result = new ArrayList<>();
            final List<String> texts = strings(name);
            for (int i = 0; i < texts.size(); i++) {
                final Pattern pattern = compile(item(name, i), key(name) + "[" + i + "]", texts.get(i));
                if (pattern != null) {
                    result.add(pattern);
                }
            }
            if (result.isEmpty() && node(name) != null) {
                problem(node(name), key(name), "needs at least one pattern");
            }
            return result;
        }

        Pattern pattern(final String name) {
            final Pattern pattern = compile(node(name), key(name), string(name));
            return pattern == null ? Pattern.compile("$^") : pattern;
        }

        private Pattern compile(final Node at, final String key, final String text) {
            try {
                return Pattern.compile(text, Pattern.CASE_INSENSITIVE);
            } catch (final PatternSyntaxException e) {
                problem(at, key, "invalid regular expression: " + e.getDescription());
                return null;
            }
        }

        Map<String, String> stringMap(final String name) {
            final Section map = section(name);
            final Map<String, String> result = new LinkedHashMap<>();
            for (final String entry : map.entries.keySet()) {
                result.put(entry, map.string(entry));
            }
            return result;
        }

        <T> List<T> list(final String name, final Function<Section, T> itemReader) {
            final Node value = required(name);
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof SequenceNode sequence)) {
                problem(value, key(name), "expected a list");
                return List.of();
            }
            final List<T> result = new ArrayList<>();
            for (int i = 0; i < sequence.getValue().size(); i++) {
                result.add(itemReader.apply(YamlReader.this.section(sequence.getValue().get(i), key(name) + "[" + i + "]")));
            }
            return result;
        }

        Node at() {
            return node;
        }
    }

    /** Formats a duration the way the runbook file writes it, in its largest whole unit, such as 90s or 4h. */
    static String format(final Duration duration) {
        if (duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        final long seconds = duration.toSeconds();
        if (seconds % 86_400 == 0 && seconds > 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3600 == 0 && seconds > 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0 && seconds > 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    Section emptySection(final String path, final Node parent) {
        return new Section(null, path, parent);
    }
}
