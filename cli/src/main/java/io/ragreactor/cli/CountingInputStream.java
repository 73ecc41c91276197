package io.ragreactor.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts the bytes read through it, for the progress of a read whose size is known in bytes. */
final class CountingInputStream extends FilterInputStream {

    private long count;

    CountingInputStream(final InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        final int value = super.read();
        if (value >= 0) {
            count++;
        }
        return value;
    }

    @Override
    public int read(final byte[] buffer, final int offset, final int length) throws IOException {
        final int read = super.read(buffer, offset, length);
        if (read > 0) {
            count += read;
        }
        return read;
    }

    @Override
    public long skip(final long n) throws IOException {
        final long skipped = super.skip(n);
        count += skipped;
        return skipped;
    }

    /** Returns the bytes read so far. */
    long count() {
        return count;
    }
}
