package io.ragreactor.actuators.reopen;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the first {@code maxBytes} bytes written to it and counts the rest. Stdout and stderr of an exec
 * share one instance, so the evidence shows them interleaved as they arrived.
 */
final class BoundedOutput extends OutputStream {

    private final int maxBytes;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long total;

    BoundedOutput(final int maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized void write(final int b) {
        if (kept.size() < maxBytes) {
            kept.write(b);
        }
        total++;
    }

    @Override
    public synchronized void write(final byte[] bytes, final int offset, final int length) {
        final int room = Math.max(0, maxBytes - kept.size());
        kept.write(bytes, offset, Math.min(room, length));
        total += length;
    }

    synchronized String text() {
        return kept.toString(StandardCharsets.UTF_8);
    }

    synchronized boolean truncated() {
        return total > kept.size();
    }

    synchronized long totalBytes() {
        return total;
    }
}
