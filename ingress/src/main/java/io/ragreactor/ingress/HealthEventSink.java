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
}
