package io.ragreactor.podwatcher;

import io.ragreactor.ingress.EventIds;
import io.ragreactor.ingress.PodStatusMapper;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ReadinessDeadlineMissed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pods that have not been Ready since their creation, and which of them missed the readiness deadline. A pod leaves
 * the candidates when it is reported, becomes Ready, finishes or starts terminating, and stays out until it is
 * deleted, so one instance reports each pod at most once. It is not thread-safe, and {@link PodWatcher} calls it
 * under its lock.
 */
final class ReadinessDeadlines {

    /**
     * A pod that is not Ready yet.
     *
     * @param key the pod's key in the watcher, its uid
     * @param target the target of the pod's health events
     */
    record Candidate(String key, String target, String namespace, String podName, String workloadKind,
                     String workloadName, String revision, Instant createdAt) {
    }

    private final Duration deadline;
    private final Map<String, Candidate> candidates = new HashMap<>();
    // Pods that were reported, have been Ready, or finished; they are not candidates again until deleted.
    private final Set<String> settled = new HashSet<>();

    ReadinessDeadlines(final Duration deadline) {
        this.deadline = deadline;
    }

    Duration deadline() {
        return deadline;
    }

    /** Records that a pod is not Ready, unless it has already settled. */
    void notReady(final Candidate candidate) {
        if (!settled.contains(candidate.key())) {
            candidates.put(candidate.key(), candidate);
        }
    }

    /** Records that the pod with {@code key} is Ready, finished or terminating, so it is never reported. */
    void settle(final String key) {
        candidates.remove(key);
        settled.add(key);
    }

    /** Forgets a deleted pod. */
    void forget(final String key) {
        candidates.remove(key);
        settled.remove(key);
    }

    /** Returns the candidates whose deadline passed at or before {@code now}, the oldest pod first. */
    List<Candidate> due(final Instant now) {
        final List<Candidate> due = new ArrayList<>();
        for (final Candidate candidate : candidates.values()) {
            if (!candidate.createdAt().plus(deadline).isAfter(now)) {
                due.add(candidate);
            }
        }
        due.sort(Comparator.comparing(Candidate::createdAt).thenComparing(Candidate::podName));
        return due;
    }

    /**
     * Builds the event of a candidate that missed its deadline, observed at {@code now}. The id depends only on the
     * pod and the deadline, so a watcher that reports the same pod again after a restart sends the same id.
     */
    HealthEvent missed(final Candidate candidate, final Instant now) {
        final ReadinessDeadlineMissed payload = ReadinessDeadlineMissed.newBuilder()
                .setPodName(candidate.podName())
                .setWorkloadKind(candidate.workloadKind())
                .setWorkloadName(candidate.workloadName())
                .setRevision(candidate.revision())
                .setPodCreatedAt(candidate.createdAt())
                .setDeadlineSeconds(deadline.toSeconds())
                .build();
        final String identity = candidate.namespace() + "/" + candidate.podName() + "|" + candidate.key()
                + "|readiness-deadline|" + deadline.toMillis();
        return HealthEvent.newBuilder()
                .setEventId(EventIds.fromContent(PodStatusMapper.SOURCE, identity))
                .setObservedAt(now)
                .setTarget(candidate.target())
                .setSource(PodStatusMapper.SOURCE)
                .setPayload(payload)
                .build();
    }

    /** Records that a candidate was reported, so it is never reported again. */
    void reported(final String key) {
        settle(key);
    }
}
