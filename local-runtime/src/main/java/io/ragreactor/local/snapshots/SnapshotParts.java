package io.ragreactor.local.snapshots;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.local.seed.Document;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The content of a simulated snapshot part: one JSON object {@code {"id", "text"}} per line. Real segment
 * files are binary; JSON lines keep the simulated ones small and readable.
 */
public final class SnapshotParts {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotParts() {
    }

    /** Returns the part name for a zero-based index, for example {@code part-0001.seg}. */
    public static String partName(final int index) {
        return String.format(Locale.ROOT, "part-%04d.seg", index);
    }

    /** Encodes documents as JSON lines. */
    public static byte[] encode(final List<Document> documents) {
        final StringBuilder lines = new StringBuilder();
        try {
            for (final Document document : documents) {
                lines.append(JSON.writeValueAsString(document)).append('\n');
            }
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("failed to encode a snapshot part", e);
        }
        return lines.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes JSON lines into documents.
     *
     * @throws IllegalArgumentException when a line is not a document
     */
    public static List<Document> decode(final byte[] content) {
        final List<Document> documents = new ArrayList<>();
        final String[] lines = new String(content, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                // Document's constructor rejects a missing id or text; Jackson reports that as a processing error.
                documents.add(JSON.readValue(lines[i], Document.class));
            } catch (final JsonProcessingException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not a document: " + e.getMessage(), e);
            }
        }
        return documents;
    }

    /** Splits documents into {@code count} consecutive, nearly equal groups; a group may be empty. */
    public static List<List<Document>> split(final List<Document> documents, final int count) {
        final List<List<Document>> groups = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final int from = documents.size() * i / count;
            final int to = documents.size() * (i + 1) / count;
            groups.add(documents.subList(from, to));
        }
        return groups;
    }
}
