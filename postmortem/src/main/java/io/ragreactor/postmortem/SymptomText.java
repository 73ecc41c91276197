package io.ragreactor.postmortem;

import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.LogLine;
import io.ragreactor.schemas.health.PodStatus;
import io.ragreactor.schemas.health.ProviderError;
import io.ragreactor.schemas.health.QualityReading;
import io.ragreactor.schemas.health.ReadinessDeadlineMissed;
import io.ragreactor.schemas.health.RetrievedDocument;
import io.ragreactor.schemas.health.ShardStatus;
import java.util.List;
import java.util.Locale;

/** One-line descriptions of health events for the postmortem's symptom list. */
final class SymptomText {

    private SymptomText() {
    }

    static String describe(final HealthEvent event) {
        final Object payload = event.getPayload();
        if (payload instanceof GoldenQueryResult result) {
            return goldenQuery(result);
        }
        if (payload instanceof IndexIoError error) {
            return "index " + error.getKind().name().toLowerCase(Locale.ROOT) + " error"
                    + (error.getSegment() == null ? "" : " in segment " + error.getSegment())
                    + (error.getPodName() == null ? "" : " on pod " + error.getPodName()) + ": " + error.getMessage();
        }
        if (payload instanceof ShardStatus status) {
            return "shard reports " + status.getReportedHealth() + (status.getDocumentCount() == null ? ""
                    : " with " + status.getDocumentCount() + " documents");
        }
        if (payload instanceof ProviderError error) {
            return error.getProvider() + " returned HTTP " + error.getHttpStatus()
                    + (error.getErrorType() == null ? "" : " (" + error.getErrorType() + ")")
                    + (error.getRetryAfterSeconds() == null ? "" : ", Retry-After " + error.getRetryAfterSeconds() + " s")
                    + (error.getMessage() == null ? "" : ": " + error.getMessage());
        }
        if (payload instanceof PodStatus pod) {
            return "pod " + pod.getPodName() + " " + pod.getPhase() + (pod.getReady() ? ", Ready" : ", not Ready")
                    + waiting(pod.getInitContainers(), "init container ") + waiting(pod.getContainers(), "container ");
        }
        if (payload instanceof ReadinessDeadlineMissed missed) {
            return "pod " + missed.getPodName() + " not Ready within " + missed.getDeadlineSeconds() + " s";
        }
        if (payload instanceof QualityReading reading) {
            return String.format(Locale.ROOT, "quality over %d requests: citation hit rate %.3f, precision %.3f",
                    reading.getSampleSize(), reading.getCitationHitRate(), reading.getPrecision());
        }
        if (payload instanceof LogLine line) {
            return "log of " + line.getPodName() + "/" + line.getContainer() + ": " + line.getLine();
        }
        return payload.getClass().getSimpleName();
    }

    private static String goldenQuery(final GoldenQueryResult result) {
        final List<RetrievedDocument> retrieved = result.getRetrieved();
        if (retrieved.isEmpty()) {
            return "golden query " + result.getQid() + " returned no documents";
        }
        final RetrievedDocument best = retrieved.get(0);
        return String.format(Locale.ROOT, "golden query %s returned %d document(s), best %s at score %.2f",
                result.getQid(), retrieved.size(), best.getId(), best.getScore());
    }

    private static String waiting(final List<ContainerState> containers, final String label) {
        final StringBuilder text = new StringBuilder();
        for (final ContainerState container : containers) {
            if (container.getWaitingReason() != null) {
                text.append(", ").append(label).append(container.getName()).append(' ')
                        .append(container.getWaitingReason()).append(" (").append(container.getRestartCount())
                        .append(" restarts)");
            }
        }
        return text.toString();
    }
}
