package io.ragreactor.actuators.execution;

import io.ragreactor.schemas.common.Evidence;

/** Builds size-bounded evidence records. */
public final class Evidences {

    /** Characters of text kept per evidence record unless a caller gives its own bound. */
    public static final int DEFAULT_MAX_CHARS = 4096;

    private Evidences() {
    }

    public static Evidence of(final String kind, final String source, final String text) {
        return of(kind, source, text, DEFAULT_MAX_CHARS);
    }

    /** Returns evidence whose text is cut to {@code maxChars} characters, marked truncated when cut. */
    public static Evidence of(final String kind, final String source, final String text, final int maxChars) {
        final String value = text == null ? "" : text;
        final boolean truncated = value.length() > maxChars;
        return Evidence.newBuilder()
                .setKind(kind)
                .setSource(source)
                .setText(truncated ? value.substring(0, Math.max(0, maxChars)) : value)
                .setTruncated(truncated)
                .build();
    }
}
