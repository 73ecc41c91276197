package io.ragreactor.actuators.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.actuators.execution.ExecutionContext;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Chooses the snapshot to restore: the newest complete one by its manifest's {@code createdAt}. A snapshot
 * is a folder under the prefix; it is complete when its {@code manifest.json} exists and every part the
 * manifest lists is present with the listed size. S3's LastModified and the folder names play no part,
 * because re-copying a snapshot changes the one and people name manual snapshots as they like.
 */
public final class SnapshotSelector {

    /** Object name of a snapshot's manifest inside its folder. */
    public static final String MANIFEST = "manifest.json";
    /** Largest manifest read; a bigger object is not a manifest this product wrote. */
    static final long MAX_MANIFEST_BYTES = 1024 * 1024;
    /** Objects listed at most under one prefix, so a wrong prefix cannot make a step list a whole bucket. */
    static final int MAX_OBJECTS = 100_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final S3Client s3;

    public SnapshotSelector(final S3Client s3) {
        this.s3 = s3;
    }

    /** Lists {@code bucket}/{@code prefix}, reads the manifests and returns the choice with the reason for every candidate. */
    public SnapshotChoice choose(final String bucket, final String prefix, final String shard,
                                 final ExecutionContext context) {
        final Map<String, Map<String, Long>> folders = listFolders(bucket, prefix, context);
        final List<SnapshotCandidate> judged = new ArrayList<>();
        for (final Map.Entry<String, Map<String, Long>> folder : folders.entrySet()) {
            judged.add(judge(bucket, prefix, shard, folder.getKey(), folder.getValue(), context));
        }
        final Optional<SnapshotCandidate> newest = judged.stream()
                .filter(SnapshotCandidate::complete)
                .max(Comparator.comparing(SnapshotCandidate::createdAt).thenComparing(SnapshotCandidate::folder));
        final List<SnapshotCandidate> candidates = new ArrayList<>();
        for (final SnapshotCandidate candidate : judged) {
            if (newest.isPresent() && candidate == newest.get()) {
                candidates.add(new SnapshotCandidate(candidate.folder(), candidate.createdAt(), true, "chosen"));
            } else if (candidate.complete()) {
                candidates.add(new SnapshotCandidate(candidate.folder(), candidate.createdAt(), true,
                        "complete, but older than the chosen snapshot"));
            } else {
                candidates.add(candidate);
            }
        }
        final Optional<SnapshotCandidate> chosen = candidates.stream().filter(c -> "chosen".equals(c.note())).findFirst();
        return new SnapshotChoice(bucket, prefix, chosen, candidates);
    }

    /** Returns, per folder below the prefix, the sizes of its objects by their name inside the folder. */
    private Map<String, Map<String, Long>> listFolders(final String bucket, final String prefix,
                                                      final ExecutionContext context) {
        final Map<String, Map<String, Long>> folders = new TreeMap<>();
        String continuation = null;
        int listed = 0;
        do {
            final ListObjectsV2Request request = ListObjectsV2Request.builder()
                    .bucket(bucket).prefix(prefix).continuationToken(continuation).build();
            final ListObjectsV2Response page = s3.listObjectsV2(request);
            context.recordCall("LIST s3://" + bucket + "/" + prefix + (continuation == null ? "" : " (next page)"));
            for (final S3Object object : page.contents()) {
                final String rest = object.key().substring(prefix.length());
                final int slash = rest.indexOf('/');
                if (slash <= 0) {
                    continue;
                }
                folders.computeIfAbsent(rest.substring(0, slash), f -> new TreeMap<>())
                        .put(rest.substring(slash + 1), object.size());
            }
            listed += page.contents().size();
            continuation = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (continuation != null && listed < MAX_OBJECTS);
        return folders;
    }

    private SnapshotCandidate judge(final String bucket, final String prefix, final String shard, final String folder,
                                    final Map<String, Long> objects, final ExecutionContext context) {
        final Long manifestSize = objects.get(MANIFEST);
        if (manifestSize == null) {
            return skipped(folder, null, "skipped: no " + MANIFEST + " (an interrupted or running upload), "
                    + objects.size() + " objects");
        }
        if (manifestSize > MAX_MANIFEST_BYTES) {
            return skipped(folder, null, "skipped: " + MANIFEST + " is " + manifestSize + " bytes, more than "
                    + MAX_MANIFEST_BYTES);
        }
        final String manifestKey = prefix + folder + "/" + MANIFEST;
        final byte[] body = s3.getObjectAsBytes(b -> b.bucket(bucket).key(manifestKey)).asByteArray();
        context.recordCall("GET s3://" + bucket + "/" + manifestKey);
        final JsonNode manifest;
        try {
            manifest = JSON.readTree(body);
        } catch (final IOException e) {
            return skipped(folder, null, "skipped: " + MANIFEST + " is not valid JSON");
        }
        final Instant createdAt = parseInstant(manifest.path("createdAt"));
        if (createdAt == null) {
            return skipped(folder, null, "skipped: " + MANIFEST + " has no valid createdAt");
        }
        final JsonNode manifestShard = manifest.get("shard");
        if (manifestShard != null && !shard.equals(manifestShard.asText())) {
            return skipped(folder, createdAt, "skipped: " + MANIFEST + " belongs to shard " + manifestShard.asText());
        }
        return checkParts(folder, createdAt, manifest.path("parts"), objects);
    }

    private static SnapshotCandidate checkParts(final String folder, final Instant createdAt, final JsonNode parts,
                                                final Map<String, Long> objects) {
        if (!parts.isArray() || parts.isEmpty()) {
            return skipped(folder, createdAt, "skipped: " + MANIFEST + " lists no parts");
        }
        for (final JsonNode part : parts) {
            final String name = part.path("name").asText("");
            if (name.isEmpty() || name.contains("/") || !part.path("size").canConvertToLong()) {
                return skipped(folder, createdAt, "skipped: " + MANIFEST + " lists a part without a valid name and size");
            }
            final long expected = part.path("size").asLong();
            final Long present = objects.get(name);
            if (present == null) {
                return skipped(folder, createdAt, "skipped: part " + name + " listed in " + MANIFEST + " is missing");
            }
            if (present != expected) {
                return skipped(folder, createdAt, "skipped: part " + name + " has " + present + " bytes, "
                        + MANIFEST + " lists " + expected);
            }
        }
        return new SnapshotCandidate(folder, createdAt, true, "complete, " + parts.size() + " parts");
    }

    private static SnapshotCandidate skipped(final String folder, final Instant createdAt, final String note) {
        return new SnapshotCandidate(folder, createdAt, false, note);
    }

    private static Instant parseInstant(final JsonNode node) {
        if (!node.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (final DateTimeParseException e) {
            return null;
        }
    }
}
