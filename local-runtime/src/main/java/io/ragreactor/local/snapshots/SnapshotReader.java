package io.ragreactor.local.snapshots;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.local.seed.Document;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads a snapshot as a restore tool does: the manifest first, then a size check of every listed part
 * against the bucket listing, then the parts' documents.
 */
public final class SnapshotReader {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final S3Client s3;

    public SnapshotReader(final S3Client s3) {
        this.s3 = s3;
    }

    /** Reads the snapshot at {@code s3://bucket/prefix/}. S3 failures and invalid content become the result's outcome. */
    public SnapshotRead read(final String uri) {
        final SnapshotLocation location;
        try {
            location = SnapshotLocation.parse(uri);
        } catch (final IllegalArgumentException e) {
            return SnapshotRead.failed(SnapshotRead.Outcome.INVALID_URI, e.getMessage());
        }
        try {
            return read(location);
        } catch (final SdkException e) {
            return SnapshotRead.failed(SnapshotRead.Outcome.UNREADABLE, "failed to read " + uri + ": " + e.getMessage());
        }
    }

    private SnapshotRead read(final SnapshotLocation location) {
        final Map<String, Long> sizes = listSizes(location);
        final String manifestKey = location.prefix() + SnapshotManifest.FILE_NAME;
        if (!sizes.containsKey(manifestKey)) {
            return SnapshotRead.failed(SnapshotRead.Outcome.MANIFEST_MISSING,
                    "no " + SnapshotManifest.FILE_NAME + " under " + location + ": the upload did not finish");
        }
        final SnapshotManifest manifest;
        try {
            manifest = JSON.readValue(s3.getObjectAsBytes(request -> request.bucket(location.bucket()).key(manifestKey))
                    .asByteArray(), SnapshotManifest.class);
        } catch (final IOException e) {
            return SnapshotRead.failed(SnapshotRead.Outcome.MANIFEST_INVALID,
                    "invalid manifest " + manifestKey + ": " + e.getMessage());
        }
        if (manifest.parts().isEmpty()) {
            return SnapshotRead.failed(SnapshotRead.Outcome.MANIFEST_INVALID, "manifest " + manifestKey + " lists no parts");
        }

        // Every listed part must be present with exactly the listed size before anything is copied.
        for (final SnapshotManifest.Part part : manifest.parts()) {
            final Long size = sizes.get(location.prefix() + part.name());
            if (size == null) {
                return SnapshotRead.failed(SnapshotRead.Outcome.PART_MISSING,
                        "part " + part.name() + " listed by " + manifestKey + " is missing");
            }
            if (size != part.size()) {
                return SnapshotRead.failed(SnapshotRead.Outcome.PART_SIZE_MISMATCH, "part " + part.name() + " has "
                        + size + " bytes but " + manifestKey + " lists " + part.size());
            }
        }

        final List<Document> documents = new ArrayList<>();
        for (final SnapshotManifest.Part part : manifest.parts()) {
            final byte[] content = s3.getObjectAsBytes(request -> request.bucket(location.bucket())
                    .key(location.prefix() + part.name())).asByteArray();
            try {
                documents.addAll(SnapshotParts.decode(content));
            } catch (final IllegalArgumentException e) {
                return SnapshotRead.failed(SnapshotRead.Outcome.PART_INVALID,
                        "part " + part.name() + " of " + location + ": " + e.getMessage());
            }
        }
        if (documents.size() != manifest.docCount()) {
            return SnapshotRead.failed(SnapshotRead.Outcome.PART_INVALID, "parts of " + location + " hold "
                    + documents.size() + " documents but the manifest lists docCount " + manifest.docCount());
        }
        return new SnapshotRead(SnapshotRead.Outcome.COMPLETE, documents,
                documents.size() + " documents from " + location + " (created " + manifest.createdAt() + ")");
    }

    private Map<String, Long> listSizes(final SnapshotLocation location) {
        final Map<String, Long> sizes = new HashMap<>();
        final ListObjectsV2Request request = ListObjectsV2Request.builder()
                .bucket(location.bucket())
                .prefix(location.prefix())
                .build();
        for (final S3Object object : s3.listObjectsV2Paginator(request).contents()) {
            sizes.put(object.key(), object.size());
        }
        return sizes;
    }

    /** Serialises a manifest as the seeder uploads it. */
    static byte[] manifestJson(final SnapshotManifest manifest) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("failed to encode a snapshot manifest", e);
        }
    }
}
