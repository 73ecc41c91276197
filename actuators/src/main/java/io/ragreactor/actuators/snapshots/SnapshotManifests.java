package io.ragreactor.actuators.snapshots;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.actuators.execution.ExecutionContext;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The one rule for whether a snapshot is complete, shared by the restore, the pruning and the restore drill. A
 * snapshot is a folder under a prefix, and it is complete when its {@value #MANIFEST} exists, names a valid
 * {@code createdAt}, and lists parts that are all present with the listed sizes. S3's LastModified and the folder
 * names play no part, because re-copying a snapshot changes the one and people name manual snapshots as they like.
 */
public final class SnapshotManifests {

    /** Object name of a snapshot's manifest inside its folder. */
    public static final String MANIFEST = "manifest.json";
    /** Largest manifest read; a bigger object is not a manifest this product wrote. */
    public static final long MAX_MANIFEST_BYTES = 1024 * 1024;
    /** Objects listed at most under one prefix, so a wrong prefix cannot make a step list a whole bucket. */
    public static final int MAX_OBJECTS = 100_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final S3Client s3;

    public SnapshotManifests(final S3Client s3) {
        this.s3 = s3;
    }

    /**
     * The folders under a prefix, each with the sizes of its objects by their name inside the folder.
     *
     * @param truncated whether the listing stopped at {@link #MAX_OBJECTS} before the prefix's end
     */
    public record Listing(Map<String, Map<String, Long>> folders, boolean truncated) {
    }

    /**
     * The judgement of one folder from its manifest and its objects.
     *
     * @param createdAt the manifest's {@code createdAt}, or null when there is no readable one
     * @param shard the shard the manifest names, or null when it names none
     * @param complete whether every listed part is present with its listed size
     * @param note why the snapshot is complete or not, for example {@code complete, 2 parts}
     */
    public record Verdict(Instant createdAt, String shard, boolean complete, String note) {
    }

    /** Lists {@code bucket}/{@code prefix} page by page, up to {@link #MAX_OBJECTS} objects. */
    public Listing listFolders(final String bucket, final String prefix, final ExecutionContext context) {
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
        return new Listing(folders, continuation != null);
    }

    /** Reads the manifest of the folder at {@code folderKey} (ending in a slash) and judges it against its objects. */
    public Verdict judge(final String bucket, final String folderKey, final Map<String, Long> objects,
                         final ExecutionContext context) {
        final Long manifestSize = objects.get(MANIFEST);
        if (manifestSize == null) {
            return incomplete(null, null, "no " + MANIFEST + ", " + objects.size() + " objects");
        }
        if (manifestSize > MAX_MANIFEST_BYTES) {
            return incomplete(null, null, MANIFEST + " is " + manifestSize + " bytes, more than " + MAX_MANIFEST_BYTES);
        }
        final String manifestKey = folderKey + MANIFEST;
        final byte[] body = s3.getObjectAsBytes(b -> b.bucket(bucket).key(manifestKey)).asByteArray();
        context.recordCall("GET s3://" + bucket + "/" + manifestKey);
        final JsonNode manifest;
        try {
            manifest = JSON.readTree(body);
        } catch (final IOException e) {
            return incomplete(null, null, MANIFEST + " is not valid JSON");
        }
        final Instant createdAt = parseInstant(manifest.path("createdAt"));
        if (createdAt == null) {
            return incomplete(null, null, MANIFEST + " has no valid createdAt");
        }
        final String shard = manifest.hasNonNull("shard") ? manifest.get("shard").asText() : null;
        final String missing = missingPart(manifest.path("parts"), objects);
        if (missing != null) {
            return incomplete(createdAt, shard, missing);
        }
        return new Verdict(createdAt, shard, true, "complete, " + manifest.path("parts").size() + " parts");
    }

    /** Returns why the manifest's parts are not all present with their listed sizes, or null when they are. */
    private static String missingPart(final JsonNode parts, final Map<String, Long> objects) {
        if (!parts.isArray() || parts.isEmpty()) {
            return MANIFEST + " lists no parts";
        }
        for (final JsonNode part : parts) {
            final String name = part.path("name").asText("");
            if (name.isEmpty() || name.contains("/") || !part.path("size").canConvertToLong()) {
                return MANIFEST + " lists a part without a valid name and size";
            }
            final Long present = objects.get(name);
            if (present == null) {
                return "part " + name + " listed in " + MANIFEST + " is missing";
            }
            if (present != part.path("size").asLong()) {
                return "part " + name + " has " + present + " bytes, " + MANIFEST + " lists " + part.path("size").asLong();
            }
        }
        return null;
    }

    private static Verdict incomplete(final Instant createdAt, final String shard, final String note) {
        return new Verdict(createdAt, shard, false, note);
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
