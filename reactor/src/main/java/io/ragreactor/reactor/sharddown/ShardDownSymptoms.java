package io.ragreactor.reactor.sharddown;

import io.ragreactor.runbook.GoldenSet;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.RetrievedDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a health event is a symptom of a shard that is down or corrupt: a golden query that
 * fails the golden set's pass rule (an empty result fails it), or an index IO or checksum error.
 */
public final class ShardDownSymptoms {

    private final GoldenSet goldenSet;

    public ShardDownSymptoms(final GoldenSet goldenSet) {
        this.goldenSet = goldenSet;
    }

    /** A one-line description of the symptom, or empty when the event is not one. */
    public Optional<String> describe(final HealthEvent event) {
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
        // TODO(#3): shard status reports (document count drop, UNAVAILABLE) as symptoms.
        return Optional.empty();
    }
}
