package io.ragreactor.ingress;

/**
 * Parses one line of a native input format into a health event, a skipped line or a rejected one, so
 * {@link JsonLinesIngress} can read any source that writes one record per line.
 */
@FunctionalInterface
public interface LineParser {

    /**
     * Parses {@code line}, which is not blank. Implementations return bad input as {@link ParsedLine.Rejected}
     * instead of throwing, so one bad line does not stop an ingress run.
     */
    ParsedLine parse(String line);
}
