package io.ragreactor.runbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads and validates a runbook file. Every problem is reported at once, each with its line and dotted
 * key; overrides (dotted key to value, for example {@code shardDown.steps.validate.retrieverUrl}) replace
 * scalar values before validation, so an overridden value is validated like one written in the file.
 */
public final class RunbookLoader {

    /** Classpath location of the shipped default runbook. */
    public static final String DEFAULT_RESOURCE = "/io/ragreactor/runbook/default-runbook.yaml";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    private static final Pattern VERSION = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$");
    private static final Pattern SETTINGS_KEY = Pattern.compile("^[A-Za-z_][A-Za-z0-9_.-]*$");

    private RunbookLoader() {
    }

    public static Runbook loadDefault(final Map<String, String> overrides) {
        try (InputStream in = RunbookLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("shipped runbook " + DEFAULT_RESOURCE + " is missing from the classpath");
            }
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return parse(text, "classpath:" + DEFAULT_RESOURCE, overrides, RunbookLoader::classpathSibling);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read the shipped runbook", e);
        }
    }

    public static Runbook load(final Path file, final Map<String, String> overrides) {
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new RunbookException(file.toString(), List.of("cannot read the file: " + e.getMessage()));
        }
        final Path folder = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), overrides, name -> Files.readString(folder.resolve(name), StandardCharsets.UTF_8));
    }

    /** Reads a file the runbook refers to by a relative name, such as its golden set. */
    @FunctionalInterface
    public interface SiblingReader {
        String read(String name) throws IOException;
    }

    public static Runbook parse(final String text, final String source, final Map<String, String> overrides,
                                final SiblingReader siblings) {
        final Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (final MarkedYAMLException e) {
            final int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new RunbookException(source, List.of("line " + line + ": not valid YAML: " + e.getProblem()));
        } catch (final YAMLException e) {
            throw new RunbookException(source, List.of("not valid YAML: " + e.getMessage()));
        }
        if (root == null) {
            throw new RunbookException(source, List.of("line 1: the file is empty"));
        }
        final List<String> overrideProblems = applyOverrides(root, overrides);
        if (!overrideProblems.isEmpty()) {
            throw new RunbookException(source, overrideProblems);
        }

        final YamlReader reader = new YamlReader();
        final Runbook runbook = readRunbook(reader, reader.section(root, ""), source, siblings);
        if (!reader.problems().isEmpty()) {
            throw new RunbookException(source, reader.problems());
        }
        return runbook;
    }

    private static Runbook readRunbook(final YamlReader reader, final YamlReader.Section top, final String source,
                                       final SiblingReader siblings) {
        top.allowOnly(Set.of("version", "namespace", "clock", "targets", "alerts", "shardDown", "providerOutage",
                "bootstrapDeadlock", "safetyNets", "policies", "escalation"));
        final String version = top.nonBlank("version");
        if (!version.isEmpty() && !VERSION.matcher(version).matches()) {
            reader.problem(top.node("version"), "version",
                    "must be 1 to 63 letters, digits, dots, dashes or underscores, got '" + version + "'");
        }
        final String namespace = dnsLabel(reader, top, "namespace");

        final YamlReader.Section clock = top.has("clock") ? top.section("clock") : reader.emptySection("clock", top.at());
        clock.allowOnly(Set.of("allowedSkew"));
        final java.time.Duration allowedSkew = clock.duration("allowedSkew", java.time.Duration.ofMinutes(5));

        final List<TargetRule> targets = top.list("targets", rule -> readTargetRule(reader, rule));
        final List<AlertRule> alerts = AlertRulesReader.read(reader, top, targets);
        final ShardDownSettings shardDown = readShardDown(reader, top.section("shardDown"), siblings);
        final ProviderOutageSettings providerOutage = ProviderOutageReader.read(reader, top.section("providerOutage"));
        final BootstrapDeadlockSettings bootstrapDeadlock = BootstrapDeadlockReader.read(reader,
                top.section("bootstrapDeadlock"));
        final SafetyNets safetyNets = SafetyNetsReader.read(reader, top.section("safetyNets"), namespace,
                providerOutage.backup());

        final YamlReader.Section policiesSection = top.has("policies") ? top.section("policies")
                : reader.emptySection("policies", top.at());
        policiesSection.allowOnly(Set.of("cooldown", "repeatsInCooldown", "dryRun", "budget"));
        final Runbook.Policies policies = new Runbook.Policies(
                policiesSection.duration("cooldown", java.time.Duration.ofMinutes(30)),
                policiesSection.integer("repeatsInCooldown", 0, 100, 1),
                policiesSection.has("dryRun") ? readDryRun(reader, policiesSection.section("dryRun")) : Runbook.DryRun.NONE,
                policiesSection.has("budget") ? readBudget(policiesSection.section("budget")) : Runbook.Budget.DEFAULT);

        final YamlReader.Section escalationSection = top.section("escalation");
        escalationSection.allowOnly(Set.of("channel", "severity", "deadline"));
        final Escalation escalation = new Escalation(escalationSection.nonBlank("channel"),
                escalationSection.nonBlank("severity"), escalationSection.duration("deadline"));

        return new Runbook(version, namespace, allowedSkew, targets, alerts, shardDown, providerOutage,
                bootstrapDeadlock, safetyNets, policies, escalation, source);
    }

    private static Runbook.DryRun readDryRun(final YamlReader reader, final YamlReader.Section dryRun) {
        dryRun.allowOnly(Set.of("all", "scenarios"));
        final Set<String> scenarios = new LinkedHashSet<>();
        final List<String> names = dryRun.has("scenarios") ? dryRun.strings("scenarios") : List.of();
        for (int i = 0; i < names.size(); i++) {
            if (Runbook.DryRun.SCENARIOS.contains(names.get(i))) {
                scenarios.add(names.get(i));
            } else {
                reader.problem(dryRun.item("scenarios", i), dryRun.key("scenarios") + "[" + i + "]",
                        "unknown scenario '" + names.get(i) + "'; expected one of "
                                + String.join(", ", Runbook.DryRun.SCENARIOS.stream().sorted().toList()));
            }
        }
        return new Runbook.DryRun(dryRun.bool("all", false), Collections.unmodifiableSet(scenarios));
    }

    private static Runbook.Budget readBudget(final YamlReader.Section budget) {
        budget.allowOnly(Set.of("maxConcurrentIncidents", "maxUnhealthyShards", "decisionTimeout"));
        final Runbook.Budget defaults = Runbook.Budget.DEFAULT;
        return new Runbook.Budget(budget.integer("maxConcurrentIncidents", 1, 100_000, defaults.maxConcurrentIncidents()),
                budget.integer("maxUnhealthyShards", 1, 100_000, defaults.maxUnhealthyShards()),
                budget.duration("decisionTimeout", defaults.decisionTimeout()));
    }

    private static TargetRule readTargetRule(final YamlReader reader, final YamlReader.Section rule) {
        rule.allowOnly(Set.of("source", "pattern", "component"));
        final String sourceKind = rule.nonBlank("source");
        final Pattern pattern = rule.pattern("pattern");
        if (rule.has("pattern") && !pattern.pattern().contains("(?<instance>")) {
            reader.problem(rule.node("pattern"), rule.key("pattern"), "needs a named group (?<instance>...)");
        }
        return new TargetRule(sourceKind, pattern, dnsLabel(reader, rule, "component"));
    }

    private static ShardDownSettings readShardDown(final YamlReader reader, final YamlReader.Section section,
                                                   final SiblingReader siblings) {
        section.allowOnly(Set.of("component", "detection", "shardRegistry", "replicas", "workload", "steps"));
        final String component = dnsLabel(reader, section, "component");

        final YamlReader.Section detection = section.section("detection");
        detection.allowOnly(Set.of("threshold", "window", "ioErrorPatterns", "checksumErrorPatterns", "segmentPattern",
                "documentCountTolerance"));
        final ShardDownSettings.Detection detectionSettings = new ShardDownSettings.Detection(
                detection.integer("threshold", 1, 1000), detection.duration("window"),
                detection.patterns("ioErrorPatterns"), detection.patterns("checksumErrorPatterns"),
                detection.pattern("segmentPattern"), detection.fraction("documentCountTolerance", 0.02));

        final YamlReader.Section registry = section.section("shardRegistry");
        registry.allowOnly(Set.of("configMap"));
        final String configMap = dnsLabel(reader, registry, "configMap");

        final ShardDownSettings.Replicas replicas = section.has("replicas")
                ? readReplicas(reader, section.section("replicas")) : ShardDownSettings.Replicas.NONE;

        final YamlReader.Section workload = section.section("workload");
        workload.allowOnly(Set.of("kind", "name", "container", "indexVolume", "podSelector"));
        final String kind = workload.nonBlank("kind");
        if (!kind.isEmpty() && !kind.equals("Deployment")) {
            // NOTE: shards in StatefulSets are not supported. Their pods take volumes from claim templates by fixed
            // names, so a restore into a new volume that keeps the old one needs another procedure.
            reader.problem(workload.node("kind"), workload.key("kind"), "must be Deployment, got '" + kind + "'");
        }
        final Map<String, String> podSelector = workload.stringMap("podSelector");
        podSelector.forEach((key, value) -> template(reader, workload, "podSelector", value));
        final ShardDownSettings.Workload workloadSettings = new ShardDownSettings.Workload(kind,
                template(reader, workload, "name", workload.nonBlank("name")), dnsLabel(reader, workload, "container"),
                dnsLabel(reader, workload, "indexVolume"), podSelector);

        final YamlReader.Section steps = section.section("steps");
        steps.allowOnly(Set.of("markUnhealthy", "routeToReplica", "reopen", "restore", "validate", "reintroduce",
                "reindex"));
        return new ShardDownSettings(component, detectionSettings, configMap, replicas, workloadSettings,
                new ShardDownSettings.Steps(
                limits(steps.section("markUnhealthy"), Set.of()),
                limits(steps.section("routeToReplica"), Set.of()),
                readReopen(reader, steps.section("reopen")),
                readRestore(reader, steps.section("restore")),
                readValidate(reader, steps.section("validate"), siblings),
                limits(steps.section("reintroduce"), Set.of()),
                readReindex(reader, steps.section("reindex"))));
    }

    private static ShardDownSettings.Reopen readReopen(final YamlReader reader, final YamlReader.Section reopen) {
        final List<String> argv = reopen.strings("argv");
        if (argv.isEmpty() && reopen.has("argv")) {
            reader.problem(reopen.node("argv"), reopen.key("argv"), "needs at least the program to run");
        }
        argv.forEach(arg -> template(reader, reopen, "argv", arg));
        final StepLimits limits = limits(reopen, Set.of("argv", "maxOutputBytes"));
        return new ShardDownSettings.Reopen(argv, limits, reopen.integer("maxOutputBytes", 64, 1 << 20, 4096));
    }

    private static ShardDownSettings.Restore readRestore(final YamlReader reader, final YamlReader.Section restore) {
        final StepLimits limits = limits(restore, Set.of("bucket", "prefix", "pvcNamePrefix", "storageSize",
                "storageClassName", "mountPath", "snapshotEnvVar", "job"));
        final String prefix = template(reader, restore, "prefix", restore.nonBlank("prefix"));
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            reader.problem(restore.node("prefix"), restore.key("prefix"), "must end with a slash, got '" + prefix + "'");
        }
        final String storageClass = restore.string("storageClassName", "");
        final ShardDownSettings.JobTemplate jobTemplate = readJob(reader, restore.section("job"));
        return new ShardDownSettings.Restore(restore.nonBlank("bucket"), prefix,
                template(reader, restore, "pvcNamePrefix", restore.nonBlank("pvcNamePrefix")),
                restore.nonBlank("storageSize"), storageClass.isBlank() ? null : storageClass,
                restore.nonBlank("mountPath"), restore.nonBlank("snapshotEnvVar"), jobTemplate, limits);
    }

    private static ShardDownSettings.Replicas readReplicas(final YamlReader reader, final YamlReader.Section replicas) {
        replicas.allowOnly(Set.of("groups", "minHealthy"));
        final List<List<String>> groups = new ArrayList<>();
        final Set<String> seen = new java.util.HashSet<>();
        if (replicas.has("groups")) {
            final YamlReader.Section section = replicas.section("groups");
            for (final String name : section.keys()) {
                final List<String> members = section.strings(name);
                if (members.size() < 2) {
                    reader.problem(section.node(name), section.key(name), "a replica group needs at least two shards");
                }
                for (final String member : members) {
                    if (!RunbookLoader.isDnsLabel(member)) {
                        reader.problem(section.node(name), section.key(name),
                                "must list Kubernetes names, got '" + member + "'");
                    } else if (!seen.add(member)) {
                        reader.problem(section.node(name), section.key(name),
                                "shard " + member + " is in more than one replica group");
                    }
                }
                groups.add(List.copyOf(members));
            }
        }
        return new ShardDownSettings.Replicas(List.copyOf(groups), replicas.integer("minHealthy", 1, 100, 1));
    }

    private static ShardDownSettings.Reindex readReindex(final YamlReader reader, final YamlReader.Section reindex) {
        final StepLimits limits = limits(reindex, Set.of("enabled", "job", "lookback"));
        final ShardDownSettings.JobTemplate job = readJob(reader, reindex.section("job"));
        job.command().forEach(arg -> template(reader, reindex, "job.command", arg));
        return new ShardDownSettings.Reindex(reindex.bool("enabled", true), job,
                reindex.duration("lookback", java.time.Duration.ofDays(2)), limits);
    }

    /** Reads a Job template: its name prefix is a template, its command runs as the image's argument vector. */
    static ShardDownSettings.JobTemplate readJob(final YamlReader reader, final YamlReader.Section job) {
        job.allowOnly(Set.of("namePrefix", "image", "command", "backoffLimit", "activeDeadline"));
        return new ShardDownSettings.JobTemplate(
                template(reader, job, "namePrefix", job.nonBlank("namePrefix")), job.nonBlank("image"),
                job.strings("command"), job.integer("backoffLimit", 0, 10), job.duration("activeDeadline"));
    }

    private static ShardDownSettings.Validate readValidate(final YamlReader reader, final YamlReader.Section validate,
                                                           final SiblingReader siblings) {
        final StepLimits limits = limits(validate, Set.of("retrieverUrl", "goldenSet", "queries", "requestTimeout"));
        final String url = template(reader, validate, "retrieverUrl", httpUrl(reader, validate, "retrieverUrl"));
        final String goldenSetName = validate.nonBlank("goldenSet");
        final GoldenSet goldenSet = goldenSetName.isEmpty() ? new GoldenSet(1, 0, List.of())
                : readGoldenSet(reader, validate, goldenSetName, siblings);
        final int queries = validate.integer("queries", 10, 50);
        return new ShardDownSettings.Validate(url, goldenSet, Math.min(queries, goldenSet.questions().size()),
                validate.duration("requestTimeout"), limits);
    }

    private static GoldenSet readGoldenSet(final YamlReader reader, final YamlReader.Section validate,
                                           final String name, final SiblingReader siblings) {
        final Node at = validate.node("goldenSet");
        final String key = validate.key("goldenSet");
        final JsonNode json;
        try {
            json = JSON.readTree(siblings.read(name));
        } catch (final IOException e) {
            reader.problem(at, key, "cannot read golden set " + name + ": " + e.getMessage());
            return new GoldenSet(1, 0, List.of());
        }
        final JsonNode queries = json.path("queries");
        if (!json.path("topK").canConvertToInt() || !json.path("minScore").isNumber() || !queries.isArray()
                || queries.isEmpty()) {
            reader.problem(at, key, "golden set " + name + " needs topK, minScore and a non-empty queries list");
            return new GoldenSet(1, 0, List.of());
        }
        final List<GoldenSet.GoldenQuestion> questions = new ArrayList<>();
        for (final JsonNode query : queries) {
            final List<String> expected = new ArrayList<>();
            query.path("expectedIds").forEach(id -> expected.add(id.asText()));
            if (query.path("qid").asText().isEmpty() || expected.isEmpty()) {
                reader.problem(at, key, "golden set " + name + " has a query without qid or expectedIds: " + query);
                continue;
            }
            questions.add(new GoldenSet.GoldenQuestion(query.path("qid").asText(), query.path("question").asText(),
                    List.copyOf(expected)));
        }
        return new GoldenSet(json.path("topK").intValue(), json.path("minScore").doubleValue(), List.copyOf(questions));
    }

    /** Reads {@code deadline} and {@code attempts}, allowing the step's other keys too. */
    static StepLimits limits(final YamlReader.Section step, final Set<String> otherKeys) {
        final Set<String> known = new java.util.HashSet<>(otherKeys);
        known.add("deadline");
        known.add("attempts");
        step.allowOnly(known);
        return new StepLimits(step.duration("deadline"), step.integer("attempts", 1, 10));
    }

    static String dnsLabel(final YamlReader reader, final YamlReader.Section section, final String name) {
        final String value = section.nonBlank(name);
        if (!value.isEmpty() && !DNS_LABEL.matcher(value).matches()) {
            reader.problem(section.node(name), section.key(name),
                    "must be a Kubernetes name (lower-case letters, digits and dashes, at most 63), got '" + value + "'");
        }
        return value;
    }

    /** Returns whether {@code value} is a Kubernetes name (an RFC 1123 DNS label). */
    static boolean isDnsLabel(final String value) {
        return DNS_LABEL.matcher(value).matches();
    }

    /** Reads a name that may be an environment variable or a ConfigMap key. */
    static String settingsKey(final YamlReader reader, final YamlReader.Section section, final String name) {
        final String value = section.nonBlank(name);
        if (!value.isEmpty() && !isSettingsKey(value)) {
            reader.problem(section.node(name), section.key(name), "must be an environment variable or ConfigMap key"
                    + " (letters, digits, '_', '.' and '-', starting with a letter or '_'), got '" + value + "'");
        }
        return value;
    }

    static boolean isSettingsKey(final String value) {
        return SETTINGS_KEY.matcher(value).matches();
    }

    static String httpUrl(final YamlReader reader, final YamlReader.Section section, final String name) {
        final String url = section.nonBlank(name);
        if (!url.isEmpty() && !(url.startsWith("http://") || url.startsWith("https://"))) {
            reader.problem(section.node(name), section.key(name), "must be an http:// or https:// URL, got '" + url + "'");
        }
        return url;
    }

    static String template(final YamlReader reader, final YamlReader.Section section, final String name,
                           final String value) {
        final List<String> unknown = Templates.unknownPlaceholders(value);
        if (!unknown.isEmpty()) {
            reader.problem(section.node(name), section.key(name), "unknown placeholder " + String.join(", ", unknown)
                    + "; templates may use " + String.join(", ", Templates.PLACEHOLDERS.stream().sorted()
                    .map(p -> "{" + p + "}").toList()));
        }
        return value;
    }

    private static List<String> applyOverrides(final Node root, final Map<String, String> overrides) {
        final List<String> problems = new ArrayList<>();
        overrides.forEach((path, value) -> {
            Node current = root;
            final String[] keys = path.split("\\.");
            for (int i = 0; i < keys.length; i++) {
                if (!(current instanceof MappingNode mapping)) {
                    problems.add("override " + path + ": " + String.join(".", java.util.Arrays.copyOf(keys, i))
                            + " is not a mapping");
                    return;
                }
                NodeTuple found = null;
                int index = -1;
                for (int t = 0; t < mapping.getValue().size(); t++) {
                    final NodeTuple tuple = mapping.getValue().get(t);
                    if (tuple.getKeyNode() instanceof ScalarNode key && key.getValue().equals(keys[i])) {
                        found = tuple;
                        index = t;
                    }
                }
                if (found == null) {
                    problems.add("override " + path + ": the runbook has no key " + String.join(".",
                            java.util.Arrays.copyOf(keys, i + 1)));
                    return;
                }
                if (i == keys.length - 1) {
                    final Node old = found.getValueNode();
                    final ScalarNode replacement = new ScalarNode(Tag.STR, value, old.getStartMark(), old.getEndMark(),
                            org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN);
                    mapping.getValue().set(index, new NodeTuple(found.getKeyNode(), replacement));
                } else {
                    current = found.getValueNode();
                }
            }
        });
        return problems;
    }

    private static String classpathSibling(final String name) throws IOException {
        final String folder = DEFAULT_RESOURCE.substring(0, DEFAULT_RESOURCE.lastIndexOf('/') + 1);
        try (InputStream in = RunbookLoader.class.getResourceAsStream(folder + name)) {
            if (in == null) {
                throw new IOException("classpath resource " + folder + name + " not found");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
