package io.ragreactor.actuators.snapshots;

import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Lists the snapshot folders under a prefix and judges each one by the rule the restore uses
 * ({@link SnapshotManifests}). Unlike the restore's selector it keeps every object key, because pruning deletes
 * them, it refuses a listing cut at its limit, and it reads the prune marker that an interrupted prune left behind.
 */
final class SnapshotInventory {

    /** Object written into a folder before its deletion starts, with the id of the deleting command as its body. */
    static final String PRUNE_MARKER = "prune-in-progress";
    /** Maximum size of a marker that is read, because a bigger object was not written by this product. */
    static final long MAX_MARKER_BYTES = 1024 * 1024;

    private final S3Client s3;
    private final SnapshotManifests manifests;

    SnapshotInventory(final S3Client s3) {
        this.s3 = s3;
        this.manifests = new SnapshotManifests(s3);
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

    /** Returns, per folder below the prefix, the sizes of its objects, refusing a listing cut at its limit. */
    private Map<String, Map<String, Long>> listFolders(final String bucket, final String prefix,
                                                      final ExecutionContext context) {
        final SnapshotManifests.Listing listing = manifests.listFolders(bucket, prefix, context);
        if (listing.truncated()) {
            // A partial listing could hide the newest snapshots, and then the wrong ones would be deleted.
            throw new StepFailure(OutcomeReason.LISTING_TOO_LARGE, "more than " + SnapshotManifests.MAX_OBJECTS
                    + " objects under s3://" + bucket + "/" + prefix + ", which is not one shard's snapshots;"
                    + " nothing was deleted");
        }
        return listing.folders();
    }

    private SnapshotFolder judge(final String bucket, final String prefix, final String folder,
                                 final Map<String, Long> objects, final ExecutionContext context) {
        final String folderKey = prefix + folder + "/";
        final List<String> keys = new ArrayList<>();
        if (objects.containsKey(SnapshotManifests.MANIFEST)) {
            keys.add(folderKey + SnapshotManifests.MANIFEST);
        }
        objects.keySet().stream()
                .filter(name -> !SnapshotManifests.MANIFEST.equals(name) && !PRUNE_MARKER.equals(name))
                .forEach(name -> keys.add(folderKey + name));
        final String marker = readMarker(bucket, folderKey, objects, context);
        final SnapshotManifests.Verdict verdict = manifests.judge(bucket, folderKey, objects, context);
        return new SnapshotFolder(folder, folderKey, keys, verdict.createdAt(), verdict.complete(), marker,
                verdict.note());
    }

    private String readMarker(final String bucket, final String folderKey, final Map<String, Long> objects,
                              final ExecutionContext context) {
        final Long size = objects.get(PRUNE_MARKER);
        if (size == null) {
            return null;
        }
        if (size > MAX_MARKER_BYTES) {
            return "";
        }
        final String key = folderKey + PRUNE_MARKER;
        final byte[] body = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        context.recordCall("GET s3://" + bucket + "/" + key);
        return new String(body, StandardCharsets.UTF_8).trim();
    }
}
