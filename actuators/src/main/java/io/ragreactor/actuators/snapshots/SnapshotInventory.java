package io.ragreactor.actuators.snapshots;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import io.ragreactor.actuators.restore.SnapshotSelector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Lists the snapshot folders under a prefix and judges each one by the rule the restore uses: a snapshot is
 * complete when its {@code manifest.json} exists and every part it lists is present with the listed size.
 * Unlike the restore's selector it keeps every object key, because pruning deletes them, and it reads the
 * prune marker that an interrupted prune left behind.
 */
final class SnapshotInventory {

    /** Object written into a folder before its deletion starts, with the id of the deleting command as its body. */
    static final String PRUNE_MARKER = "prune-in-progress";
    /** Maximum size of a manifest or marker that is read, because a bigger object was not written by this product. */
    static final long MAX_METADATA_BYTES = 1024 * 1024;
    /** Maximum number of objects listed under one prefix. A prefix with more is rejected before anything is deleted. */
    static final int MAX_OBJECTS = 100_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final S3Client s3;

    SnapshotInventory(final S3Client s3) {
        this.s3 = s3;
    }

    /** Lists {@code bucket}/{@code prefix} and returns its snapshot folders in folder name order. */
    List<SnapshotFolder> list(final String bucket, final String prefix, final ExecutionContext context) {
        final Map<String, Map<String, Long>> folders = listFolders(bucket, prefix, context);
        final List<SnapshotFolder> judged = new ArrayList<>();
        for (final Map.Entry<String, Map<String, Long>> folder : folders.entrySet()) {
            judged.add(judge(bucket, prefix, folder.getKey(), folder.getValue(), context));
        }
        return judged;
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
            if (continuation != null && listed >= MAX_OBJECTS) {
                // A partial listing could hide the newest snapshots, and then the wrong ones would be deleted.
                throw new StepFailure(OutcomeReason.LISTING_TOO_LARGE, "more than " + MAX_OBJECTS
                        + " objects under s3://" + bucket + "/" + prefix + ", which is not one shard's snapshots;"
                        + " nothing was deleted");
            }
        } while (continuation != null);
        return folders;
    }

    private SnapshotFolder judge(final String bucket, final String prefix, final String folder,
                                 final Map<String, Long> objects, final ExecutionContext context) {
        final String folderKey = prefix + folder + "/";
        final List<String> keys = new ArrayList<>();
        if (objects.containsKey(SnapshotSelector.MANIFEST)) {
            keys.add(folderKey + SnapshotSelector.MANIFEST);
        }
        objects.keySet().stream()
                .filter(name -> !SnapshotSelector.MANIFEST.equals(name) && !PRUNE_MARKER.equals(name))
                .forEach(name -> keys.add(folderKey + name));
        final String marker = readMarker(bucket, folderKey, objects, context);

        final Long manifestSize = objects.get(SnapshotSelector.MANIFEST);
        if (manifestSize == null) {
            return new SnapshotFolder(folder, folderKey, keys, null, false, marker, "no " + SnapshotSelector.MANIFEST
                    + ", " + keys.size() + " objects");
        }
        if (manifestSize > MAX_METADATA_BYTES) {
            return new SnapshotFolder(folder, folderKey, keys, null, false, marker, SnapshotSelector.MANIFEST + " is "
                    + manifestSize + " bytes, more than " + MAX_METADATA_BYTES);
        }
        final String manifestKey = folderKey + SnapshotSelector.MANIFEST;
        final byte[] body = s3.getObjectAsBytes(b -> b.bucket(bucket).key(manifestKey)).asByteArray();
        context.recordCall("GET s3://" + bucket + "/" + manifestKey);
        final JsonNode manifest;
        try {
            manifest = JSON.readTree(body);
        } catch (final IOException e) {
            return new SnapshotFolder(folder, folderKey, keys, null, false, marker, SnapshotSelector.MANIFEST
                    + " is not valid JSON");
        }
        final Instant createdAt = parseInstant(manifest.path("createdAt"));
        if (createdAt == null) {
            return new SnapshotFolder(folder, folderKey, keys, null, false, marker, SnapshotSelector.MANIFEST
                    + " has no valid createdAt");
        }
        final String missing = missingPart(manifest.path("parts"), objects);
        if (missing != null) {
            return new SnapshotFolder(folder, folderKey, keys, createdAt, false, marker, missing);
        }
        return new SnapshotFolder(folder, folderKey, keys, createdAt, true, marker, "complete, "
                + manifest.path("parts").size() + " parts");
    }

    /** Returns why the manifest's parts are not all present with their listed sizes, or null when they are. */
    private static String missingPart(final JsonNode parts, final Map<String, Long> objects) {
        if (!parts.isArray() || parts.isEmpty()) {
            return SnapshotSelector.MANIFEST + " lists no parts";
        }
        for (final JsonNode part : parts) {
            final String name = part.path("name").asText("");
            if (name.isEmpty() || name.contains("/") || !part.path("size").canConvertToLong()) {
                return SnapshotSelector.MANIFEST + " lists a part without a valid name and size";
            }
            final Long present = objects.get(name);
            if (present == null) {
                return "part " + name + " listed in " + SnapshotSelector.MANIFEST + " is missing";
            }
            if (present != part.path("size").asLong()) {
                return "part " + name + " has " + present + " bytes, " + SnapshotSelector.MANIFEST + " lists "
                        + part.path("size").asLong();
            }
        }
        return null;
    }

    private String readMarker(final String bucket, final String folderKey, final Map<String, Long> objects,
                              final ExecutionContext context) {
        final Long size = objects.get(PRUNE_MARKER);
        if (size == null) {
            return null;
        }
        if (size > MAX_METADATA_BYTES) {
            return "";
        }
        final String key = folderKey + PRUNE_MARKER;
        final byte[] body = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        context.recordCall("GET s3://" + bucket + "/" + key);
        return new String(body, StandardCharsets.UTF_8).trim();
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
