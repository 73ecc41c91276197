package io.ragreactor.reactor.sharddown;

import io.ragreactor.runbook.GoldenSet;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.RetrievedDocument;
import io.ragreactor.schemas.health.ShardHealth;
import io.ragreactor.schemas.health.ShardStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a health event is a symptom of a shard that is down or corrupt. Symptoms are a golden
 * query that fails the golden set's pass rule (an empty result fails it) and an index IO or checksum
 * error. A status report is one too when the shard is degraded or unavailable, or when its document
 * count is below the last healthy one.
 */
public final class ShardDownSymptoms {

    private final GoldenSet goldenSet;
    private final double documentCountTolerance;

    public ShardDownSymptoms(final GoldenSet goldenSet, final double documentCountTolerance) {
        this.goldenSet = goldenSet;
        this.documentCountTolerance = documentCountTolerance;
    }

    /**
     * Describes the symptom in one line, or returns empty when the event is not one. The
     * {@code healthyDocumentCount} is the count the shard last reported while healthy, or null when unknown.
     */
    public Optional<String> describe(final HealthEvent event, final Long healthyDocumentCount) {
        final Object payload = event.getPayload();
        if (payload instanceof GoldenQueryResult result) {
            final List<GoldenSet.Hit> hits = new ArrayList<>(result.getRetrieved().size());
            for (final RetrievedDocument document : result.getRetrieved()) {
                hits.add(new GoldenSet.Hit(document.getId(), document.getScore()));
            }
            if (goldenSet.passes(result.getQid(), hits)) {
                return Optional.empty();
            }
            return Optional.of(hits.isEmpty() ? "golden query " + result.getQid() + " returned nothing"
                    : "golden query " + result.getQid() + " returned no expected document at or above score "
                    + goldenSet.minScore());
        }
        if (payload instanceof IndexIoError error) {
            return Optional.of("index " + error.getKind().name().toLowerCase(java.util.Locale.ROOT) + " error"
                    + (error.getSegment() == null ? "" : " in " + error.getSegment()));
        }
        if (payload instanceof ShardStatus status) {
            final ShardHealth health = status.getReportedHealth();
            if (health == ShardHealth.DEGRADED || health == ShardHealth.UNAVAILABLE) {
                return Optional.of("shard reports itself " + health.name().toLowerCase(java.util.Locale.ROOT));
            }
            if (status.getDocumentCount() != null && !isIntact(status.getDocumentCount(), healthyDocumentCount)) {
                return Optional.of("shard reports " + status.getDocumentCount() + " documents, last healthy count "
                        + healthyDocumentCount);
            }
        }
        return Optional.empty();
    }

    /** Returns whether {@code count} is within the tolerance below {@code healthyCount}; true when it is unknown. */
    public boolean isIntact(final long count, final Long healthyCount) {
        return healthyCount == null || count >= healthyCount * (1 - documentCountTolerance);
    }
}
