package io.ragreactor.local.seed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads a {@link StackSeed} from YAML and validates it. Every error names the seed file and the key path,
 * for example {@code demo-stack.yaml: vectorstore.shards[1].index: ...}.
 */
public final class SeedLoader {

    /** The classpath location of the seed the demo ships. */
    public static final String DEFAULT_SEED_RESOURCE = "/io/ragreactor/local/demo-stack.yaml";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private SeedLoader() {
    }

    /** Loads the seed shipped in this module's resources; the files it names are resources beside it. */
    public static StackSeed loadDefault() {
        try (InputStream in = SeedLoader.class.getResourceAsStream(DEFAULT_SEED_RESOURCE)) {
            if (in == null) {
                throw new SeedException("seed resource " + DEFAULT_SEED_RESOURCE + " is missing from the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo-stack.yaml");
        } catch (final IOException e) {
            throw new SeedException("failed to read seed resource " + DEFAULT_SEED_RESOURCE, e);
        }
    }

    /** Loads a seed file from disk; the files it names (pod documents, logs) are read from its directory. */
    public static StackSeed load(final Path file) {
        final String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new SeedException("failed to read seed file " + file + ": " + e.getMessage(), e);
        }
        final Path directory = file.toAbsolutePath().getParent();
        return parse(yaml, file.toString(), name -> Files.readString(directory.resolve(name), StandardCharsets.UTF_8));
    }

    /**
     * Parses seed YAML. The files it names are read from the classpath directory of the shipped seed.
     *
     * @param yaml the file content
     * @param source the file name used in error messages
     */
    public static StackSeed parse(final String yaml, final String source) {
        return parse(yaml, source, SeedLoader::readResourceBesideDefaultSeed);
    }

    private static StackSeed parse(final String yaml, final String source, final SeedFiles files) {
        final Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (final YAMLException e) {
            throw new SeedException(source + ": invalid YAML: " + e.getMessage(), e);
        }
        final Node seed = new Node(source, "", root);
        final String namespace = dnsLabel(seed.child("namespace"));
        final List<WorkloadSeed> workloads = workloads(seed.child("workloads"));
        final VectorstoreSeed vectorstore = vectorstore(seed.child("vectorstore"));
        final List<DocumentSeed> documents = documents(seed.child("documents"), vectorstore);
        final Node restore = seed.child("restore");
        final Optional<ApiSeed> api = seed.has("api") ? Optional.of(ApiSection.read(seed.child("api")))
                : Optional.empty();
        final Optional<BootstrapSeed> bootstrap = seed.has("bootstrap")
                ? Optional.of(BootstrapSection.read(seed.child("bootstrap"), namespace, workloads, files))
                : Optional.empty();
        final StackSeed stack = new StackSeed(
                namespace,
                workloads,
                vectorstore,
                seed.child("shardRegistry").child("configMap").string(),
                new RestoreSeed(restore.child("image").string(), restore.child("snapshotEnv").string()),
                snapshots(seed.child("snapshots"), documents),
                documents,
                api,
                bootstrap);
        checkUniqueDeployments(seed, stack);
        return stack;
    }

    private static List<WorkloadSeed> workloads(final Node node) {
        final List<WorkloadSeed> workloads = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final Node workload : node.list()) {
            final String name = dnsLabel(workload.child("name"));
            if (!names.add(name)) {
                throw workload.child("name").invalid("duplicate workload '" + name + "'");
            }
            WorkloadKind kind = WorkloadKind.DEPLOYMENT;
            if (workload.has("kind")) {
                try {
                    kind = WorkloadKind.fromKind(workload.child("kind").string());
                } catch (final IllegalArgumentException e) {
                    throw workload.child("kind").invalid(e.getMessage());
                }
            }
            workloads.add(new WorkloadSeed(name, kind, workload.child("image").string()));
        }
        return workloads;
    }

    private static VectorstoreSeed vectorstore(final Node node) {
        final Map<String, String> labels = new LinkedHashMap<>();
        final Node labelsNode = node.child("podLabels");
        for (final Map.Entry<String, Node> entry : labelsNode.map().entrySet()) {
            labels.put(entry.getKey(), entry.getValue().string());
        }
        if (labels.values().stream().noneMatch(value -> value.contains(VectorstoreSeed.SHARD_PLACEHOLDER))) {
            throw labelsNode.invalid("no label value contains " + VectorstoreSeed.SHARD_PLACEHOLDER
                    + ", so the pods of different shards could not be told apart");
        }

        final List<String> reopen = new ArrayList<>();
        final Node reopenNode = node.child("reopenCommand");
        for (final Node argument : reopenNode.list()) {
            reopen.add(argument.string());
        }
        if (reopen.isEmpty()) {
            throw reopenNode.invalid("the argument vector is empty");
        }

        final List<ShardSeed> shards = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final Node shard : node.child("shards").list()) {
            final String name = dnsLabel(shard.child("name"));
            if (!names.add(name)) {
                throw shard.child("name").invalid("duplicate shard '" + name + "'");
            }
            final Node index = shard.child("index");
            try {
                shards.add(new ShardSeed(name, IndexState.fromLabel(index.string())));
            } catch (final IllegalArgumentException e) {
                throw index.invalid(e.getMessage());
            }
        }

        return new VectorstoreSeed(
                node.child("image").string(),
                node.child("container").string(),
                node.child("deployment").string(),
                node.child("indexVolume").string(),
                node.child("mountPath").string(),
                node.child("indexClaim").string(),
                labels,
                reopen,
                shards);
    }

    private static List<DocumentSeed> documents(final Node node, final VectorstoreSeed vectorstore) {
        final List<DocumentSeed> documents = new ArrayList<>();
        final Set<String> ids = new HashSet<>();
        for (final Node document : node.list()) {
            final String id = document.child("id").string();
            if (!ids.add(id)) {
                throw document.child("id").invalid("duplicate document id '" + id + "'");
            }
            final List<String> shards = new ArrayList<>();
            if (document.has("shards")) {
                for (final Node shard : document.child("shards").list()) {
                    final String name = shard.string();
                    if (vectorstore.shard(name).isEmpty()) {
                        throw shard.invalid("unknown shard '" + name + "'");
                    }
                    shards.add(name);
                }
            }
            documents.add(new DocumentSeed(id, document.child("text").string(), shards));
        }
        return documents;
    }

    private static SnapshotCatalogSeed snapshots(final Node node, final List<DocumentSeed> documents) {
        final Set<String> documentIds = new HashSet<>();
        documents.forEach(document -> documentIds.add(document.id()));
        final List<SnapshotSeed> entries = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final Node entry : node.child("entries").list()) {
            final String name = entry.child("name").string();
            if (!names.add(name)) {
                throw entry.child("name").invalid("duplicate snapshot '" + name + "'");
            }
            final Node kindNode = entry.child("kind");
            final SnapshotSeed.Kind kind;
            try {
                kind = SnapshotSeed.Kind.valueOf(kindNode.string().toUpperCase(Locale.ROOT));
            } catch (final IllegalArgumentException e) {
                throw kindNode.invalid("expected complete or interrupted");
            }
            final int parts = entry.child("parts").positiveInt();
            final Instant createdAt;
            final int plannedParts;
            if (kind == SnapshotSeed.Kind.COMPLETE) {
                createdAt = entry.child("createdAt").instant();
                plannedParts = parts;
            } else {
                createdAt = null;
                plannedParts = entry.child("plannedParts").positiveInt();
                if (plannedParts <= parts) {
                    throw entry.child("plannedParts").invalid("an interrupted upload must plan more parts than the "
                            + parts + " it uploaded");
                }
            }
            final List<String> omitted = new ArrayList<>();
            if (entry.has("omitDocuments")) {
                for (final Node id : entry.child("omitDocuments").list()) {
                    if (!documentIds.contains(id.string())) {
                        throw id.invalid("unknown document id '" + id.string() + "'");
                    }
                    omitted.add(id.string());
                }
            }
            final boolean recopied = entry.has("recopied") && entry.child("recopied").bool();
            entries.add(new SnapshotSeed(name, kind, createdAt, parts, plannedParts, omitted, recopied));
        }
        return new SnapshotCatalogSeed(node.child("bucket").string(), node.child("prefix").string(), entries);
    }

    private static void checkUniqueDeployments(final Node seed, final StackSeed stack) {
        final Set<String> names = new HashSet<>();
        stack.workloads().forEach(workload -> names.add(workload.name()));
        for (final String shard : stack.shardNames()) {
            final String deployment = stack.vectorstore().deploymentName(shard);
            if (!DNS_LABEL.matcher(deployment).matches() || !names.add(deployment)) {
                throw seed.child("vectorstore").child("deployment").invalid("shard " + shard + " gives Deployment name '"
                        + deployment + "', which is not a valid DNS label or is already taken");
            }
        }
        if (stack.api().isPresent() && !names.add(stack.api().get().deployment())) {
            throw seed.child("api").child("deployment").invalid("Deployment name '" + stack.api().get().deployment()
                    + "' is already taken by a workload or a shard");
        }
    }

    private static String readResourceBesideDefaultSeed(final String name) throws IOException {
        final String resource = DEFAULT_SEED_RESOURCE.substring(0, DEFAULT_SEED_RESOURCE.lastIndexOf('/') + 1) + name;
        try (InputStream in = SeedLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new NoSuchFileException(resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String dnsLabel(final Node node) {
        final String value = node.string();
        if (value.length() > 63 || !DNS_LABEL.matcher(value).matches()) {
            throw node.invalid("'" + value + "' is not a valid Kubernetes name (lower-case DNS label)");
        }
        return value;
    }
}
