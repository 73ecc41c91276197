package io.ragreactor.local.snapshots;

/** A snapshot's bucket and key prefix, parsed from {@code s3://bucket/prefix/}; the prefix always ends with a slash. */
public record SnapshotLocation(String bucket, String prefix) {

    private static final String SCHEME = "s3://";

    /**
     * Parses an {@code s3://bucket/prefix/} URI; a missing trailing slash is added.
     *
     * @throws IllegalArgumentException when the URI has another scheme, no bucket or no prefix
     */
    public static SnapshotLocation parse(final String uri) {
        if (uri == null || !uri.startsWith(SCHEME)) {
            throw new IllegalArgumentException("invalid snapshot URI '" + uri + "': expected s3://bucket/prefix/");
        }
        final String rest = uri.substring(SCHEME.length());
        final int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("invalid snapshot URI '" + uri + "': expected s3://bucket/prefix/");
        }
        final String prefix = rest.substring(slash + 1);
        return new SnapshotLocation(rest.substring(0, slash), prefix.endsWith("/") ? prefix : prefix + "/");
    }

    @Override
    public String toString() {
        return SCHEME + bucket + "/" + prefix;
    }
}
