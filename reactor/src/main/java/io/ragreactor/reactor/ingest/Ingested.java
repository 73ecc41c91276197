package io.ragreactor.reactor.ingest;

import io.ragreactor.schemas.deadletter.DeadLetterReason;

/** What validation made of one raw input record: a valid input, or a record for the dead-letter topic. */
public sealed interface Ingested {

    record Valid(ReactorInput input) implements Ingested {
    }

    /** A bad record with its original bytes; the reason headers travel on the Kafka record. */
    record Rejected(DeadLetterReason reason, byte[] rawKey, byte[] rawValue) implements Ingested {
    }
}
