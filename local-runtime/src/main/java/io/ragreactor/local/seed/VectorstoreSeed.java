package io.ragreactor.local.seed;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The vectorstore part of the seed: container, index volume, per-shard names and the reopen command.
 * Templates contain the placeholder {@value #SHARD_PLACEHOLDER}, filled in with a shard's name.
 */
public record VectorstoreSeed(
        String image,
        String container,
        String deploymentTemplate,
        String indexVolume,
        String mountPath,
        String indexClaimTemplate,
        Map<String, String> podLabelTemplates,
        List<String> reopenCommandTemplate,
        List<ShardSeed> shards) {

    /** The placeholder that seed templates use for a shard's name. */
    public static final String SHARD_PLACEHOLDER = "<shard>";

    public VectorstoreSeed {
        podLabelTemplates = Map.copyOf(podLabelTemplates);
        reopenCommandTemplate = List.copyOf(reopenCommandTemplate);
        shards = List.copyOf(shards);
    }

    /** Returns the name of the Deployment that runs the shard, for example {@code vectorstore-shard-5}. */
    public String deploymentName(final String shard) {
        return fill(deploymentTemplate, shard);
    }

    /** Returns the name of the PVC that the seeded Deployment mounts as the shard's index, for example {@code vectorstore-shard-5-index}. */
    public String indexClaimName(final String shard) {
        return fill(indexClaimTemplate, shard);
    }

    /** Returns the labels of the shard's pods, which are also its Deployment's selector. */
    public Map<String, String> podLabels(final String shard) {
        final Map<String, String> labels = new LinkedHashMap<>();
        podLabelTemplates.forEach((key, value) -> labels.put(key, fill(value, shard)));
        return labels;
    }

    /** Returns the argument vector that reopens the shard's index inside its pod. */
    public List<String> reopenCommand(final String shard) {
        return reopenCommandTemplate.stream().map(argument -> fill(argument, shard)).toList();
    }

    /** Finds the seeded shard of that name, if the seed has one. */
    public Optional<ShardSeed> shard(final String name) {
        return shards.stream().filter(shard -> shard.name().equals(name)).findFirst();
    }

    /**
     * Finds the shard a pod serves: the shard whose pod labels are all present among these labels, if any.
     */
    public Optional<String> shardOfPodLabels(final Map<String, String> labels) {
        if (labels == null) {
            return Optional.empty();
        }
        return shards.stream()
                .map(ShardSeed::name)
                .filter(shard -> labels.entrySet().containsAll(podLabels(shard).entrySet()))
                .findFirst();
    }

    private static String fill(final String template, final String shard) {
        return template.replace(SHARD_PLACEHOLDER, shard);
    }
}
