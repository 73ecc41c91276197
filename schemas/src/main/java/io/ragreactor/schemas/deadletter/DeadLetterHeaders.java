package io.ragreactor.schemas.deadletter;

/** Names of the headers every dead-letter record carries. */
public final class DeadLetterHeaders {

    public static final String REASON = "rag.dlq.reason";
    public static final String SOURCE_TOPIC = "rag.dlq.source.topic";
    public static final String SOURCE_PARTITION = "rag.dlq.source.partition";
    public static final String SOURCE_OFFSET = "rag.dlq.source.offset";
    public static final String EXCEPTION = "rag.dlq.exception";

    private DeadLetterHeaders() {
    }
}
