package io.ragreactor.runbook;

import java.util.List;

/**
 * The golden question set and its pass rule: a query passes when at least one expected document is in
 * the top {@code topK} with a score at or above {@code minScore}; an empty result fails.
 */
public record GoldenSet(int topK, double minScore, List<GoldenQuestion> questions) {

    /** One golden question. */
    public record GoldenQuestion(String qid, String question, List<String> expectedIds) {
    }

    /** A retrieved document, as the pass rule reads it. */
    public record Hit(String id, double score) {
    }

    public GoldenQuestion question(final String qid) {
        for (final GoldenQuestion question : questions) {
            if (question.qid().equals(qid)) {
                return question;
            }
        }
        return null;
    }

    /**
     * Returns whether {@code retrieved} (best first) passes for {@code qid}. A qid not in the set has no
     * expected ids, so only an empty result or scores all under the minimum fail it.
     */
    public boolean passes(final String qid, final List<Hit> retrieved) {
        final GoldenQuestion question = question(qid);
        final int limit = Math.min(topK, retrieved.size());
        for (int i = 0; i < limit; i++) {
            final Hit hit = retrieved.get(i);
            final boolean expected = question == null || question.expectedIds().contains(hit.id());
            if (expected && hit.score() >= minScore) {
                return true;
            }
        }
        return false;
    }
}
