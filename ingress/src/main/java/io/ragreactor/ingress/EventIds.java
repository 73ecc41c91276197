package io.ragreactor.ingress;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Derives event ids from the content an event was made of, so the same input always gets the same id. */
public final class EventIds {

    /** Hex digits of the content's SHA-256 kept in an id, 64 of its bits. */
    private static final int HASH_CHARS = 16;

    private EventIds() {
    }

    /** Returns {@code source-<hash>}, where the hash is a prefix of the SHA-256 of {@code content}. */
    public static String fromContent(final String source, final String content) {
        return source + "-" + sha256Hex(content).substring(0, HASH_CHARS);
    }

    private static String sha256Hex(final String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
