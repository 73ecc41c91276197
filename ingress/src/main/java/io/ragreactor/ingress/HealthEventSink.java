package io.ragreactor.ingress;

import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;

/**
 * The destination of what ingress makes of its input: health events, and input that could not become one.
 * {@link HealthEventPublisher} is the implementation that produces to the broker.
 */
public interface HealthEventSink {

    /**
     * Sends {@code event} and returns once it is stored.
     *
     * @throws SinkUnavailableException when the event could not be stored in time
     */
    void publish(HealthEvent event);

    /**
     * Records input of {@code sourceName} that could not become an event: the record at {@code position} (a line
     * number, or an alert's index in its webhook body), its text, the reason and a message naming the problem.
     *
     * @throws SinkUnavailableException when the record could not be stored in time
     */
    void deadLetter(String sourceName, long position, String input, DeadLetterReason reason, String message);

    /**
     * Records a Kafka record of {@code sourceTopic} that could not become an event, naming its partition and
     * offset. The default records it like a line, with the offset as its position and the partition in the name.
     *
     * @throws SinkUnavailableException when the record could not be stored in time
     */
    default void deadLetter(final String sourceTopic, final int partition, final long offset, final String input,
                            final DeadLetterReason reason, final String message) {
        deadLetter(sourceTopic + "-" + partition, offset, input, reason, message);
    }
}
