package io.ragreactor.local.seed;

import java.util.Map;

/**
 * A workload of the stack: a Deployment or a StatefulSet. Without seeded pods it has a single container named like
 * the workload; with seeded pods its pod template is taken from the first of them.
 */
public record WorkloadSeed(String name, WorkloadKind kind, String image) {

    /** The label that selects a workload's pods, with the workload's name as its value. */
    public static final String NAME_LABEL = "app.kubernetes.io/name";

    /** Returns the workload's pod selector, {@code app.kubernetes.io/name=<name>}. */
    public Map<String, String> selector() {
        return Map.of(NAME_LABEL, name);
    }
}
