package io.ragreactor.local.seed;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and validates the seed's {@code bootstrap} section, including the pod documents and the log it names. */
final class BootstrapSection {

    /** Label of a Deployment's pods naming their template revision. */
    static final String POD_TEMPLATE_HASH_LABEL = "pod-template-hash";
    /** Label of a StatefulSet's pods naming their revision. */
    static final String CONTROLLER_REVISION_LABEL = "controller-revision-hash";

    // A plain file name beside the seed, so a seed cannot make the loader read elsewhere.
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][-A-Za-z0-9_.]*");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern GENERATED_NAME = Pattern.compile("(.+)-([a-z0-9]+)-([a-z0-9]{5})");
    private static final Pattern ORDINAL_NAME = Pattern.compile("(.+)-([0-9]+)");

    private BootstrapSection() {
    }

    static BootstrapSeed read(final Node bootstrap, final String namespace, final List<WorkloadSeed> workloads,
            final SeedFiles files) {
        final int schemaVersion = bootstrap.child("schemaVersion").nonNegativeInt();
        final Node requiredNode = bootstrap.child("requiredSchemaVersion");
        final int required = requiredNode.nonNegativeInt();
        if (required < schemaVersion) {
            throw requiredNode.invalid("the required version " + required + " is below the schema version "
                    + schemaVersion + ", which no migration lowers");
        }
        final List<PodSeed> pods = pods(bootstrap.child("pods"), namespace, workloads, files);
        final List<BlockedContainerSeed> blocked = blocked(bootstrap.child("blockedContainers"), workloads, pods);
        final Optional<FailedJobSeed> failedJob = bootstrap.has("failedMigrationJob")
                ? Optional.of(failedJob(bootstrap.child("failedMigrationJob"), files))
                : Optional.empty();
        return new BootstrapSeed(schemaVersion, required, bootstrap.child("migrationImage").string(), blocked, pods,
                failedJob);
    }

    private static List<PodSeed> pods(final Node node, final String namespace, final List<WorkloadSeed> workloads,
            final SeedFiles files) {
        final List<PodSeed> pods = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final Map<String, Optional<String>> revisions = new HashMap<>();
        for (final Node entry : node.list()) {
            final Node fileNode = entry.child("file");
            final String file = fileName(fileNode);
            final WorkloadSeed workload = workload(entry.child("workload"), workloads);
            final String json = readFile(fileNode, file, files);
            final Pod pod;
            try {
                pod = Serialization.unmarshal(json, Pod.class);
            } catch (final RuntimeException e) {
                throw fileNode.invalid(file + " is not a JSON Pod document: " + e.getMessage());
            }
            final String name = checkPod(fileNode, file, pod, namespace, workload);
            if (!names.add(name)) {
                throw fileNode.invalid(file + ": duplicate pod '" + name + "'");
            }
            final Optional<String> revision = revision(fileNode, file, pod, workload);
            final Optional<String> earlier = revisions.putIfAbsent(workload.name(), revision);
            if (earlier != null && !earlier.equals(revision)) {
                throw fileNode.invalid(file + ": pod " + name + " is of revision " + revision.orElse("<none>")
                        + " but an earlier pod of " + workload.name() + " is of revision " + earlier.orElse("<none>")
                        + "; the seeded pods of one workload share its current revision");
            }
            pods.add(new PodSeed(file, workload.name(), name, revision, json));
        }
        return pods;
    }

    private static String checkPod(final Node fileNode, final String file, final Pod pod, final String namespace,
            final WorkloadSeed workload) {
        if (!"Pod".equals(pod.getKind()) || pod.getMetadata() == null || pod.getSpec() == null) {
            throw fileNode.invalid(file + " is not a Pod with metadata and spec (kind '" + pod.getKind() + "')");
        }
        final String name = pod.getMetadata().getName();
        if (name == null || !DNS_SUBDOMAIN.matcher(name).matches()) {
            throw fileNode.invalid(file + ": metadata.name '" + name + "' is not a valid pod name");
        }
        final String podNamespace = pod.getMetadata().getNamespace();
        if (podNamespace != null && !podNamespace.equals(namespace)) {
            throw fileNode.invalid(file + ": pod " + name + " is in namespace " + podNamespace + ", not in the seed's "
                    + namespace);
        }
        final Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null || !labels.entrySet().containsAll(workload.selector().entrySet())) {
            throw fileNode.invalid(file + ": pod " + name + " lacks the label " + WorkloadSeed.NAME_LABEL + "="
                    + workload.name() + " that selects the pods of workload " + workload.name());
        }
        return name;
    }

    /** Returns the revision a pod's label or generated name names, checking its owner references against the workload. */
    private static Optional<String> revision(final Node fileNode, final String file, final Pod pod,
            final WorkloadSeed workload) {
        final String name = pod.getMetadata().getName();
        final Map<String, String> labels = pod.getMetadata().getLabels();
        final List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        if (workload.kind() == WorkloadKind.STATEFUL_SET) {
            final Matcher ordinal = ORDINAL_NAME.matcher(name);
            if (!ordinal.matches() || !ordinal.group(1).equals(workload.name())) {
                throw fileNode.invalid(file + ": pod " + name + " of StatefulSet " + workload.name()
                        + " is not named " + workload.name() + "-<ordinal>");
            }
            checkOwners(fileNode, file, name, owners, "StatefulSet", workload.name(), null);
            return Optional.ofNullable(labels.get(CONTROLLER_REVISION_LABEL));
        }
        String hash = labels.get(POD_TEMPLATE_HASH_LABEL);
        if (hash == null) {
            final Matcher generated = GENERATED_NAME.matcher(name);
            if (!generated.matches() || !generated.group(1).equals(workload.name())) {
                throw fileNode.invalid(file + ": pod " + name + " of Deployment " + workload.name() + " has neither a "
                        + POD_TEMPLATE_HASH_LABEL + " label nor a name " + workload.name() + "-<hash>-<suffix>");
            }
            hash = generated.group(2);
        }
        checkOwners(fileNode, file, name, owners, "Deployment", workload.name(), workload.name() + "-" + hash);
        return Optional.of(hash);
    }

    private static void checkOwners(final Node fileNode, final String file, final String pod,
            final List<OwnerReference> owners, final String kind, final String workload, final String replicaSet) {
        for (final OwnerReference owner : owners) {
            final boolean ownWorkload = kind.equals(owner.getKind()) && workload.equals(owner.getName());
            final boolean ownReplicaSet = replicaSet != null && "ReplicaSet".equals(owner.getKind())
                    && replicaSet.equals(owner.getName());
            if (!ownWorkload && !ownReplicaSet) {
                throw fileNode.invalid(file + ": pod " + pod + " is owned by " + owner.getKind() + " "
                        + owner.getName() + ", not by " + kind + " " + workload
                        + (replicaSet == null ? "" : " or its ReplicaSet " + replicaSet));
            }
        }
    }

    private static List<BlockedContainerSeed> blocked(final Node node, final List<WorkloadSeed> workloads,
            final List<PodSeed> pods) {
        final List<BlockedContainerSeed> blocked = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (final Node entry : node.list()) {
            final Node workloadNode = entry.child("workload");
            final WorkloadSeed workload = workload(workloadNode, workloads);
            if (!seen.add(workload.name())) {
                throw workloadNode.invalid("workload '" + workload.name() + "' is listed twice");
            }
            if (entry.has("container") == entry.has("initContainer")) {
                throw entry.invalid("expected exactly one of container and initContainer");
            }
            final boolean init = entry.has("initContainer");
            final Node containerNode = entry.child(init ? "initContainer" : "container");
            final String container = SeedLoader.dnsLabel(containerNode);
            checkContainerExists(containerNode, workload, container, init, pods);
            final Node exitCodeNode = entry.child("exitCode");
            final int exitCode = exitCodeNode.positiveInt();
            if (exitCode > 255) {
                throw exitCodeNode.invalid("an exit code is at most 255, got " + exitCode);
            }
            final List<String> crashLog = new ArrayList<>();
            for (final Node line : entry.child("crashLog").list()) {
                crashLog.add(line.string());
            }
            if (crashLog.isEmpty()) {
                throw entry.child("crashLog").invalid("expected at least one line");
            }
            blocked.add(new BlockedContainerSeed(workload.name(), container, init, exitCode, crashLog));
        }
        return blocked;
    }

    /** Checks that the workload's pod template, taken from its first seeded pod or else the default, has the container. */
    private static void checkContainerExists(final Node containerNode, final WorkloadSeed workload,
            final String container, final boolean init, final List<PodSeed> pods) {
        final Optional<PodSeed> first = pods.stream().filter(pod -> pod.workload().equals(workload.name())).findFirst();
        final List<String> names = new ArrayList<>();
        if (first.isPresent()) {
            final Pod pod = Serialization.unmarshal(first.get().json(), Pod.class);
            final List<Container> containers = init ? pod.getSpec().getInitContainers() : pod.getSpec().getContainers();
            containers.stream().map(Container::getName).filter(Objects::nonNull).forEach(names::add);
        } else if (!init) {
            names.add(workload.name());
        }
        if (!names.contains(container)) {
            throw containerNode.invalid("the pods of " + workload.name() + " have no " + (init ? "init container" : "container")
                    + " '" + container + "'; they have " + names);
        }
    }

    private static FailedJobSeed failedJob(final Node job, final SeedFiles files) {
        final Node logNode = job.child("log");
        final String logFile = fileName(logNode);
        final List<String> command = new ArrayList<>();
        for (final Node argument : job.child("command").list()) {
            command.add(argument.string());
        }
        if (command.isEmpty()) {
            throw job.child("command").invalid("the argument vector is empty");
        }
        final Node exitCodeNode = job.child("exitCode");
        final int exitCode = exitCodeNode.positiveInt();
        if (exitCode > 255) {
            throw exitCodeNode.invalid("an exit code is at most 255, got " + exitCode);
        }

        final Node finishedNode = job.child("finishedAt");
        final FailedJobSeed seed = new FailedJobSeed(
                SeedLoader.dnsLabel(job.child("name")),
                SeedLoader.dnsLabel(job.child("pod")),
                SeedLoader.dnsLabel(job.child("container")),
                command,
                exitCode,
                job.child("startedAt").instant(),
                finishedNode.instant(),
                logFile,
                readFile(logNode, logFile, files));
        if (seed.finishedAt().isBefore(seed.startedAt())) {
            throw finishedNode.invalid("the container finished at " + seed.finishedAt() + ", before it started at "
                    + seed.startedAt());
        }
        return seed;
    }

    private static WorkloadSeed workload(final Node node, final List<WorkloadSeed> workloads) {
        final String name = node.string();
        return workloads.stream().filter(workload -> workload.name().equals(name)).findFirst()
                .orElseThrow(() -> node.invalid("unknown workload '" + name + "'"));
    }

    private static String fileName(final Node node) {
        final String name = node.string();
        if (!FILE_NAME.matcher(name).matches()) {
            throw node.invalid("'" + name + "' is not a plain file name beside the seed");
        }
        return name;
    }

    private static String readFile(final Node node, final String name, final SeedFiles files) {
        try {
            return files.read(name);
        } catch (final IOException e) {
            throw node.invalid("failed to read " + name + ": " + e);
        }
    }
}
