package io.ragreactor.local.retriever;

import io.ragreactor.local.seed.Document;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Scores documents against a question by shared words, standing in for vector similarity. Words are
 * lower-cased, stop words dropped and one plural {@code s} stripped. The score is
 * {@code 0.8 * coverage + 0.2 * density}, rounded to two decimals: coverage is the share of the question's
 * words found in the document, density the share of the document's words found in the question. A document
 * with every word of the question scores at least 0.8. The seed corpus is written so that each golden
 * question's expected documents score at or above 0.72 and every other document below it.
 */
public final class OverlapScorer {

    private static final double COVERAGE_WEIGHT = 0.8;
    private static final double DENSITY_WEIGHT = 0.2;

    private static final Set<String> STOP_WORDS = Set.of(
            "a", "about", "after", "all", "an", "and", "any", "are", "as", "at", "be", "been", "both", "but", "by",
            "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into",
            "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "should", "so", "than", "that", "the",
            "their", "them", "then", "there", "these", "they", "this", "those", "to", "up", "us", "was", "we", "were",
            "what", "when", "where", "which", "while", "who", "why", "will", "with", "would", "you", "your");

    /** A document and its score. */
    public record ScoredDocument(String id, double score) {
    }

    /** Splits a question or document into the words the scorer compares. */
    public Set<String> terms(final String text) {
        final Set<String> terms = new LinkedHashSet<>();
        for (final String word : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (word.isEmpty() || STOP_WORDS.contains(word)) {
                continue;
            }
            terms.add(stem(word));
        }
        return terms;
    }

    /** Scores one document for the question, between 0 and 1. */
    public double score(final String question, final Document document) {
        return score(terms(question), terms(document.text()));
    }

    /** Ranks the documents and returns the k best with a score above zero, best first. Ties go to the smaller id. */
    public List<ScoredDocument> rank(final String question, final List<Document> documents, final int k) {
        final Set<String> questionTerms = terms(question);
        final List<ScoredDocument> scored = new ArrayList<>();
        for (final Document document : documents) {
            final double score = score(questionTerms, terms(document.text()));
            if (score > 0) {
                scored.add(new ScoredDocument(document.id(), score));
            }
        }
        scored.sort(Comparator.comparingDouble(ScoredDocument::score).reversed().thenComparing(ScoredDocument::id));
        return scored.size() > k ? List.copyOf(scored.subList(0, k)) : List.copyOf(scored);
    }

    private static double score(final Set<String> questionTerms, final Set<String> documentTerms) {
        if (questionTerms.isEmpty() || documentTerms.isEmpty()) {
            return 0;
        }
        final long shared = questionTerms.stream().filter(documentTerms::contains).count();
        final double coverage = (double) shared / questionTerms.size();
        final double density = (double) shared / documentTerms.size();
        return Math.round((COVERAGE_WEIGHT * coverage + DENSITY_WEIGHT * density) * 100) / 100.0;
    }

    private static String stem(final String word) {
        if (word.length() > 3 && word.endsWith("s") && !word.endsWith("ss")) {
            return word.substring(0, word.length() - 1);
        }
        return word;
    }
}
