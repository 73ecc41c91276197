package io.ragreactor.local.seed;

import java.util.Locale;

/** State of the vectorstore index held on one PersistentVolumeClaim of the simulated cluster. */
public enum IndexState {
    /** The index opens: a reopen succeeds and retrievals are scored against its documents. */
    HEALTHY,
    /** The index fails its checksum: a reopen exits 1 and retrievals return no documents. */
    BROKEN;

    /** Returns the lower-case form used in the seed file and in the PVC annotation, for example {@code healthy}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code healthy} or {@code broken}, ignoring case. */
    public static IndexState fromLabel(final String label) {
        for (final IndexState state : values()) {
            if (state.label().equalsIgnoreCase(label)) {
                return state;
            }
        }
        throw new IllegalArgumentException("invalid index state '" + label + "': expected healthy or broken");
    }
}
