package io.ragreactor.ingress;

import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sink that keeps what it receives, for tests of the receiver's responses that need no broker. */
final class RecordingSink implements HealthEventSink {

    /** One dead letter as the sink received it. */
    record DeadLetter(String sourceName, long position, String input, DeadLetterReason reason, String message) {
    }

    final List<HealthEvent> events = new CopyOnWriteArrayList<>();
    final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();

    @Override
    public void publish(final HealthEvent event) {
        events.add(event);
    }

    @Override
    public void deadLetter(final String sourceName, final long position, final String input,
                           final DeadLetterReason reason, final String message) {
        deadLetters.add(new DeadLetter(sourceName, position, input, reason, message));
    }
}
