package io.ragreactor.runbook;

import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates the {@code bootstrapDeadlock} section of a runbook file. */
final class BootstrapDeadlockReader {

    /** A label name, or the part after the prefix of a qualified label key; also a non-empty label value. */
    private static final Pattern LABEL_NAME = Pattern.compile("^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$");
    private static final Pattern LABEL_PREFIX = Pattern.compile("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");

    private BootstrapDeadlockReader() {
    }

    static BootstrapDeadlockSettings read(final YamlReader reader, final YamlReader.Section section) {
        section.allowOnly(Set.of("detection", "workloads", "steps"));

        final YamlReader.Section detection = section.section("detection");
        detection.allowOnly(Set.of("threshold", "window", "crashLoopReasons", "readyDeadline",
                "circularDependencyPatterns", "missingMigrationPatterns"));
        final List<String> crashLoopReasons = detection.strings("crashLoopReasons");
        if (crashLoopReasons.isEmpty() && detection.has("crashLoopReasons")) {
            reader.problem(detection.node("crashLoopReasons"), detection.key("crashLoopReasons"),
                    "needs at least one waiting reason");
        }
        for (int i = 0; i < crashLoopReasons.size(); i++) {
            if (crashLoopReasons.get(i).isBlank()) {
                reader.problem(detection.item("crashLoopReasons", i), detection.key("crashLoopReasons") + "[" + i + "]",
                        "must not be empty");
            }
        }
        final BootstrapDeadlockSettings.Detection detectionSettings = new BootstrapDeadlockSettings.Detection(
                detection.integer("threshold", 1, 1000, 1), detection.duration("window"), List.copyOf(crashLoopReasons),
                detection.duration("readyDeadline"), detection.patterns("circularDependencyPatterns"),
                detection.patterns("missingMigrationPatterns"));

        final List<BootstrapDeadlockSettings.Workload> workloads = readWorkloads(reader, section);
        return new BootstrapDeadlockSettings(detectionSettings, workloads, readSteps(reader, section.section("steps")));
    }

    private static List<BootstrapDeadlockSettings.Workload> readWorkloads(final YamlReader reader,
                                                                         final YamlReader.Section section) {
        final List<BootstrapDeadlockSettings.Workload> workloads = section.list("workloads",
                workload -> readWorkload(reader, workload));
        if (workloads.isEmpty() && section.has("workloads")) {
            reader.problem(section.node("workloads"), section.key("workloads"), "needs at least one workload");
        }
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < workloads.size(); i++) {
            final BootstrapDeadlockSettings.Workload workload = workloads.get(i);
            if (!workload.component().isEmpty() && !workload.name().isEmpty()
                    && !seen.add(workload.component() + "/" + workload.name())) {
                reader.problem(section.item("workloads", i), section.key("workloads") + "[" + i + "]",
                        "duplicate workload: component " + workload.component() + " with name " + workload.name()
                                + " is already listed");
            }
        }
        return List.copyOf(workloads);
    }

    private static BootstrapDeadlockSettings.Workload readWorkload(final YamlReader reader,
                                                                   final YamlReader.Section workload) {
        workload.allowOnly(Set.of("component", "kind", "name", "podSelector"));
        final String component = RunbookLoader.dnsLabel(reader, workload, "component");
        final String kind = workload.nonBlank("kind");
        if (!kind.isEmpty() && !kind.equals("Deployment") && !kind.equals("StatefulSet")) {
            reader.problem(workload.node("kind"), workload.key("kind"),
                    "must be Deployment or StatefulSet, got '" + kind + "'");
        }
        final String name = RunbookLoader.dnsLabel(reader, workload, "name");

        // An empty selector matches every pod of the namespace, so a restart would reach the whole stack.
        final Map<String, String> podSelector = workload.stringMap("podSelector");
        if (podSelector.isEmpty() && workload.has("podSelector")) {
            reader.problem(workload.node("podSelector"), workload.key("podSelector"), "needs at least one label");
        }
        podSelector.forEach((label, value) -> {
            if (!isLabelKey(label)) {
                reader.problem(workload.node("podSelector"), workload.key("podSelector") + "." + label,
                        "must be a Kubernetes label key, an optional DNS prefix and '/' then a name of at most 63"
                                + " letters, digits, '-', '_' or '.'");
            } else if (!value.isEmpty() && !LABEL_NAME.matcher(value).matches()) {
                reader.problem(workload.node("podSelector"), workload.key("podSelector") + "." + label,
                        "must be a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.'), got '"
                                + value + "'");
            }
        });
        return new BootstrapDeadlockSettings.Workload(component, kind, name, Collections.unmodifiableMap(podSelector));
    }

    private static boolean isLabelKey(final String key) {
        final int slash = key.indexOf('/');
        if (slash < 0) {
            return LABEL_NAME.matcher(key).matches();
        }
        return LABEL_PREFIX.matcher(key.substring(0, slash)).matches()
                && LABEL_NAME.matcher(key.substring(slash + 1)).matches();
    }

    private static BootstrapDeadlockSettings.Steps readSteps(final YamlReader reader, final YamlReader.Section steps) {
        steps.allowOnly(Set.of("inspect", "runMigrations", "startInOrder", "restartOneByOne"));

        final YamlReader.Section inspect = steps.section("inspect");
        final StepLimits inspectLimits = RunbookLoader.limits(inspect, Set.of("jobNames", "maxLogBytes"));
        final List<String> jobNames = inspect.strings("jobNames");
        for (int i = 0; i < jobNames.size(); i++) {
            if (!RunbookLoader.isDnsLabel(jobNames.get(i))) {
                reader.problem(inspect.item("jobNames", i), inspect.key("jobNames") + "[" + i + "]",
                        "must be a Kubernetes name (lower-case letters, digits and dashes, at most 63), got '"
                                + jobNames.get(i) + "'");
            }
        }
        final BootstrapDeadlockSettings.Inspect inspectSettings = new BootstrapDeadlockSettings.Inspect(
                List.copyOf(jobNames), inspect.integer("maxLogBytes", 64, 1 << 20, 8192), inspectLimits);

        final YamlReader.Section migrations = steps.section("runMigrations");
        final StepLimits migrationLimits = RunbookLoader.limits(migrations, Set.of("enabled", "job"));
        final BootstrapDeadlockSettings.RunMigrations runMigrations = new BootstrapDeadlockSettings.RunMigrations(
                migrations.bool("enabled", true), RunbookLoader.readJob(reader, migrations.section("job")),
                migrationLimits);

        final YamlReader.Section startInOrder = steps.section("startInOrder");
        final StepLimits startLimits = RunbookLoader.limits(startInOrder, Set.of("readyTimeout"));
        final Duration readyTimeout = startInOrder.duration("readyTimeout");
        if (readyTimeout.compareTo(startLimits.deadline()) > 0 && !startLimits.deadline().isZero()) {
            reader.problem(startInOrder.node("readyTimeout"), startInOrder.key("readyTimeout"),
                    "must not be longer than the step's deadline (" + YamlReader.format(startLimits.deadline())
                            + "), got " + YamlReader.format(readyTimeout));
        }

        final YamlReader.Section restart = steps.section("restartOneByOne");
        final StepLimits restartLimits = RunbookLoader.limits(restart, Set.of("enabled"));
        return new BootstrapDeadlockSettings.Steps(inspectSettings, runMigrations,
                new BootstrapDeadlockSettings.StartInOrder(readyTimeout, startLimits),
                new BootstrapDeadlockSettings.RestartOneByOne(restart.bool("enabled", true), restartLimits));
    }
}
