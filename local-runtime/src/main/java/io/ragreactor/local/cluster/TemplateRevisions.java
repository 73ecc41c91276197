package io.ragreactor.local.cluster;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revision names of seeded workloads. A seeded pod carries the hash label a real cluster gave it, for example
 * {@code pod-template-hash=7d9c6b5f4}, which the simulation's own template hash cannot reproduce. So the seeded
 * workload's current template is known by the seeded name until the template changes.
 */
final class TemplateRevisions {

    private final Map<String, SeededRevision> seeded = new ConcurrentHashMap<>();

    /** Names the workload's template, whose computed revision is {@code computed}, by the seeded revision. */
    void seed(final String namespace, final String kind, final String workload, final String computed,
            final String seededRevision) {
        seeded.put(key(namespace, kind, workload), new SeededRevision(computed, seededRevision));
    }

    /** Returns the seeded revision while the template is still the seeded one, and the computed revision after a change. */
    String current(final String namespace, final String kind, final String workload, final String computed) {
        final SeededRevision revision = seeded.get(key(namespace, kind, workload));
        return revision != null && revision.computed().equals(computed) ? revision.name() : computed;
    }

    private static String key(final String namespace, final String kind, final String workload) {
        return namespace + "/" + kind + "/" + workload;
    }

    private record SeededRevision(String computed, String name) {
    }
}
