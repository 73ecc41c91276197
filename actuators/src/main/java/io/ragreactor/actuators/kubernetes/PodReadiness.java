package io.ragreactor.actuators.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Reads pod readiness from the pod's Ready condition, ignoring pods being deleted, and pod age. */
public final class PodReadiness {

    private PodReadiness() {
    }

    /** Returns whether the pod's Ready condition is True and the pod is not being deleted. */
    public static boolean isReady(final Pod pod) {
        if (pod.getMetadata() != null && pod.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (final PodCondition condition : pod.getStatus().getConditions()) {
            if ("Ready".equals(condition.getType())) {
                return "True".equals(condition.getStatus());
            }
        }
        return false;
    }

    /** Returns the newest Ready pod by creation time, ties broken by name so the choice is stable. */
    public static Optional<Pod> newestReady(final List<Pod> pods) {
        return pods.stream()
                .filter(PodReadiness::isReady)
                .max(Comparator.comparing(PodReadiness::createdAt).thenComparing(p -> p.getMetadata().getName()));
    }

    /** Returns the creation time of a resource, or the epoch when it is missing or malformed. */
    public static Instant createdAt(final Pod pod) {
        return parseTime(pod.getMetadata() == null ? null : pod.getMetadata().getCreationTimestamp());
    }

    public static Instant parseTime(final String timestamp) {
        if (timestamp == null) {
            return Instant.EPOCH;
        }
        try {
            return Instant.parse(timestamp);
        } catch (final DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    /** Formats a label selector the way the API's labelSelector parameter spells it, keys sorted. */
    public static String selector(final Map<String, String> labels) {
        return labels.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
