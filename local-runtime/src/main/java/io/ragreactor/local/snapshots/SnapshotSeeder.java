package io.ragreactor.local.snapshots;

import io.ragreactor.local.seed.Document;
import io.ragreactor.local.seed.SnapshotCatalogSeed;
import io.ragreactor.local.seed.SnapshotSeed;
import io.ragreactor.local.seed.StackSeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Uploads the seed's snapshots of every shard to S3: parts first and the manifest last, as a snapshot tool
 * does, so that an interrupted upload is one without a manifest.
 */
public final class SnapshotSeeder {

    /** Logger of everything the simulated stack writes to S3. */
    public static final String LOGGER_NAME = "simulated-s3";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    // S3 reports LastModified in whole seconds, so a strictly newer one needs a later second.
    private static final Duration SECOND_MARGIN = Duration.ofMillis(50);

    private SnapshotSeeder() {
    }

    /** Creates the snapshot bucket when missing and uploads every seeded snapshot of every shard, in seed order. */
    public static void seed(final S3Client s3, final StackSeed seed) {
        final SnapshotCatalogSeed catalog = seed.snapshots();
        createBucketIfMissing(s3, catalog.bucket());
        for (final SnapshotSeed snapshot : catalog.entries()) {
            if (snapshot.recopied()) {
                waitForNextSecond();
            }
            for (final String shard : seed.shardNames()) {
                upload(s3, catalog, shard, snapshot, seed.documentsOf(shard));
            }
        }
    }

    private static void upload(final S3Client s3, final SnapshotCatalogSeed catalog, final String shard,
            final SnapshotSeed snapshot, final List<Document> shardDocuments) {
        final Set<String> omitted = new HashSet<>(snapshot.omittedDocuments());
        final List<Document> documents = shardDocuments.stream()
                .filter(document -> !omitted.contains(document.id()))
                .toList();
        final String prefix = catalog.snapshotPrefix(shard, snapshot.name());
        final List<List<Document>> groups = SnapshotParts.split(documents, snapshot.plannedParts());
        final List<SnapshotManifest.Part> parts = new ArrayList<>();
        for (int i = 0; i < snapshot.parts(); i++) {
            final byte[] content = SnapshotParts.encode(groups.get(i));
            final String name = SnapshotParts.partName(i);
            s3.putObject(request -> request.bucket(catalog.bucket()).key(prefix + name), RequestBody.fromBytes(content));
            parts.add(new SnapshotManifest.Part(name, content.length));
        }
        if (snapshot.kind() == SnapshotSeed.Kind.COMPLETE) {
            final SnapshotManifest manifest = new SnapshotManifest(shard, snapshot.createdAt().toString(),
                    documents.size(), parts);
            s3.putObject(request -> request.bucket(catalog.bucket()).key(prefix + SnapshotManifest.FILE_NAME),
                    RequestBody.fromBytes(SnapshotReader.manifestJson(manifest)));
        }
        LOG.info("seeded snapshot s3://{}/{} kind=[{}] parts=[{}/{}] documents=[{}]", catalog.bucket(), prefix,
                snapshot.kind(), snapshot.parts(), snapshot.plannedParts(), documents.size());
    }

    private static void createBucketIfMissing(final S3Client s3, final String bucket) {
        try {
            s3.headBucket(request -> request.bucket(bucket));
        } catch (final S3Exception e) {
            // HEAD has no error body, so a missing bucket is only visible as status 404.
            if (e.statusCode() != 404) {
                throw e;
            }
            s3.createBucket(request -> request.bucket(bucket));
            LOG.info("created bucket {}", bucket);
        }
    }

    private static void waitForNextSecond() {
        final long now = System.currentTimeMillis();
        final long untilNextSecond = 1000 - now % 1000 + SECOND_MARGIN.toMillis();
        try {
            Thread.sleep(untilNextSecond);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to upload a re-copied snapshot", e);
        }
    }
}
