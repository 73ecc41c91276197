package io.ragreactor.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The golden question set shipped in the module's resources. */
public record GoldenQueries(int topK, double minScore, List<Query> queries) {

    /** One golden question with the ids a healthy retriever returns for it. */
    public record Query(String qid, String question, List<String> expectedIds) {
    }

    /** Reads {@code io/ragreactor/local/golden-queries.json} from the classpath. */
    public static GoldenQueries load() {
        try (InputStream in = GoldenQueries.class.getResourceAsStream("/io/ragreactor/local/golden-queries.json")) {
            return new ObjectMapper()
                    .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                    .readValue(in, GoldenQueries.class);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
