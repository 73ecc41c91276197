package io.ragreactor.actuators.restore;

import java.nio.charset.StandardCharsets;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Seeds the snapshot layout of shard-3 as a production listing showed it. Parts are a few hundred bytes long
 * instead of 100 MiB, and the manifests list those sizes. The layout has a complete daily snapshot, an older
 * complete one re-copied last (so its LastModified is the newest), a manual one whose key sorts last, and an
 * interrupted upload with the newest folder name but no manifest.
 */
public final class SnapshotFixtures {

    public static final String PREFIX = "snapshots/shard-3/";
    /** The snapshot a restore must choose: the newest complete one by its manifest's createdAt. */
    public static final String NEWEST_COMPLETE = "2026-11-29T01-00";

    private SnapshotFixtures() {
    }

    public static void seedShard3(final S3Client s3, final String bucket) {
        s3.createBucket(b -> b.bucket(bucket));
        uploadSnapshot(s3, bucket, "pre-upgrade-manual", "2026-11-15T16:40:01Z", List.of(300));
        uploadSnapshot(s3, bucket, NEWEST_COMPLETE, "2026-11-29T01:07:30Z", List.of(400, 250));
        // The interrupted upload: 3 of its parts, no manifest.
        for (int i = 0; i < 3; i++) {
            put(s3, bucket, PREFIX + "2026-11-30T01-00/part-000" + i + ".seg", new byte[400]);
        }
        // Uploaded last, as when it was re-copied to another storage class.
        uploadSnapshot(s3, bucket, "2026-11-22T01-00", "2026-11-22T01:06:12Z", List.of(400, 220));
    }

    /** Uploads the parts with the given sizes, then the manifest listing them, the order a snapshot job writes them. */
    public static void uploadSnapshot(final S3Client s3, final String bucket, final String folder,
                                      final String createdAt, final List<Integer> partSizes) {
        final StringBuilder parts = new StringBuilder();
        for (int i = 0; i < partSizes.size(); i++) {
            final String name = "part-000" + i + ".seg";
            put(s3, bucket, PREFIX + folder + "/" + name, new byte[partSizes.get(i)]);
            parts.append(i == 0 ? "" : ", ").append("{ \"name\": \"").append(name).append("\", \"size\": ")
                    .append(partSizes.get(i)).append(" }");
        }
        final String manifest = "{ \"shard\": \"shard-3\", \"createdAt\": \"" + createdAt + "\", \"docCount\": 1000,"
                + " \"parts\": [ " + parts + " ] }";
        put(s3, bucket, PREFIX + folder + "/manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
    }

    public static void put(final S3Client s3, final String bucket, final String key, final byte[] body) {
        s3.putObject(p -> p.bucket(bucket).key(key), RequestBody.fromBytes(body));
    }
}
