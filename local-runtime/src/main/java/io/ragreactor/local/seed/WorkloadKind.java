package io.ragreactor.local.seed;

/** The Kubernetes kind of a seeded workload. */
public enum WorkloadKind {
    /** Pods with generated names, replaced on a template change; their hash label is {@code pod-template-hash}. */
    DEPLOYMENT("Deployment"),
    /** Pods named {@code <name>-<ordinal>}; their revision label is {@code controller-revision-hash}. */
    STATEFUL_SET("StatefulSet");

    private final String kind;

    WorkloadKind(final String kind) {
        this.kind = kind;
    }

    /** Returns the kind as the Kubernetes API spells it, for example {@code StatefulSet}. */
    public String kind() {
        return kind;
    }

    /** Parses {@code Deployment} or {@code StatefulSet}, as the API spells them. */
    public static WorkloadKind fromKind(final String kind) {
        for (final WorkloadKind value : values()) {
            if (value.kind.equals(kind)) {
                return value;
            }
        }
        throw new IllegalArgumentException("invalid workload kind '" + kind + "': expected Deployment or StatefulSet");
    }
}
