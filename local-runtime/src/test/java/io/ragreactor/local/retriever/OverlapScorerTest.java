package io.ragreactor.local.retriever;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.local.GoldenQueries;
import io.ragreactor.local.seed.Document;
import io.ragreactor.local.seed.SeedLoader;
import io.ragreactor.local.seed.StackSeed;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlapScorerTest {

    private final OverlapScorer scorer = new OverlapScorer();

    @Test
    void shouldSeparateExpectedDocumentsAtMinScore() {
        // Given
        final StackSeed seed = SeedLoader.loadDefault();
        final GoldenQueries golden = GoldenQueries.load();

        // Then
        for (final String shard : seed.shardNames()) {
            for (final GoldenQueries.Query query : golden.queries()) {
                for (final Document document : seed.documentsOf(shard)) {
                    final double score = scorer.score(query.question(), document);
                    if (query.expectedIds().contains(document.id())) {
                        assertThat(score).as("%s %s %s", shard, query.qid(), document.id())
                                .isGreaterThanOrEqualTo(golden.minScore());
                    } else {
                        assertThat(score).as("%s %s %s", shard, query.qid(), document.id())
                                .isLessThan(golden.minScore());
                    }
                }
            }
        }
    }

    @Test
    void shouldRankBestFirstAndKeepTopK() {
        // Given
        final List<Document> documents = List.of(
                new Document("partial", "Supported regions for data export jobs."),
                new Document("full", "Which regions support data residency for backups."),
                new Document("unrelated", "Holiday calendar."));

        // When
        final List<OverlapScorer.ScoredDocument> ranked = scorer.rank("Which regions support data residency?",
                documents, 1);

        // Then
        assertThat(ranked).extracting(OverlapScorer.ScoredDocument::id).containsExactly("full");
        assertThat(scorer.rank("Which regions support data residency?", documents, 5))
                .extracting(OverlapScorer.ScoredDocument::id).containsExactly("full", "partial");
    }

    @Test
    void shouldDropStopWordsAndPluralS() {
        // When
        final var terms = scorer.terms("How do I export the Audit Logs?");

        // Then
        assertThat(terms).containsExactly("export", "audit", "log");
    }
}
