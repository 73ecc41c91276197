package io.ragreactor.ingress;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Settings of a {@link WebhookReceiver}.
 *
 * @param bindAddress  address and port the receiver listens on; port 0 picks a free port
 * @param maxBodyBytes maximum request body size in bytes; a larger body gets status 413
 * @param threads      requests handled at once
 */
public record ReceiverSettings(InetSocketAddress bindAddress, int maxBodyBytes, int threads) {

    /**
     * Default body limit, 1 MiB: room for a group of about a thousand alerts at Alertmanager's usual size of
     * well under 1 KiB each.
     */
    public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

    /** Default number of request threads; each one waits for the broker while it publishes. */
    public static final int DEFAULT_THREADS = 4;

    public ReceiverSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be at least 1, got " + maxBodyBytes);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
    }

    /** Settings with the default body limit and thread count. */
    public static ReceiverSettings of(final InetSocketAddress bindAddress) {
        return new ReceiverSettings(bindAddress, DEFAULT_MAX_BODY_BYTES, DEFAULT_THREADS);
    }
}
