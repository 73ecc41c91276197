package io.ragreactor.reactor.incident;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Ids derived from the input alone, so a replay produces the same ids and actuators can use command ids
 * as idempotency keys. Both fit a Kubernetes label value (at most 63 characters).
 */
public final class IncidentIds {

    private IncidentIds() {
    }

    /** {@code inc-} and 16 hex digits of SHA-256 over the target and the first symptom's event time. */
    public static String incidentId(final String target, final long firstSymptomAtMillis) {
        return "inc-" + sha256Hex(target + "|" + firstSymptomAtMillis).substring(0, 16);
    }

    /** The incident id, the step and the attempt, for example {@code inc-3f9a0c1d2e4b5a6c-reopen-1}. */
    public static String commandId(final String incidentId, final String step, final int attempt) {
        return incidentId + "-" + step + "-" + attempt;
    }

    private static String sha256Hex(final String text) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
