package io.ragreactor.topology;

import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.shard;
import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.ingress.HealthEventSink;
import io.ragreactor.ingress.ReceiverSettings;
import io.ragreactor.ingress.WebhookReceiver;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Duplicate webhook deliveries through the receiver and the reactor together: Alertmanager peers in HA and its
 * repeat interval deliver one alert several times, and only the first delivery starts a recovery, unless the last
 * incident of that alert failed.
 */
class ReceiverAlertFoldTest {

    private static final Instant NOON = Instant.parse("2026-11-30T12:00:00Z");
    private static final Instant REPEAT = Instant.parse("2026-11-30T16:00:00Z");
    private static final String SHARD = shard("shard-5");

    /** The ShardUnavailable alert for shard-5 that started at 11:59:30, as Alertmanager posts it. */
    private static final String BODY = """
            {"receiver": "rag-reactor", "status": "firing", "version": "4",
             "groupKey": "{}:{alertname=\\"ShardUnavailable\\"}", "truncatedAlerts": 0,
             "groupLabels": {"alertname": "ShardUnavailable"}, "commonLabels": {}, "commonAnnotations": {},
             "externalURL": "http://127.0.0.1:9093",
             "alerts": [{"status": "firing",
               "labels": {"alertname": "ShardUnavailable", "namespace": "rag-prod", "shard": "shard-5"},
               "annotations": {"summary": "shard-5 does not answer"},
               "startsAt": "2026-11-30T11:59:30Z", "endsAt": "0001-01-01T00:00:00Z",
               "generatorURL": "", "fingerprint": "3fa1"}]}
            """;

    /** A clock the test sets, read by the receiver as the time of receipt. */
    private static final class SetClock extends Clock {
        private volatile Instant now = ReactorFixture.START;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final ZoneId zone) {
            throw new UnsupportedOperationException("the receiver reads instants only");
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Pipes what the receiver publishes into the reactor's topology, locking the fixture for each event. */
    private record ReactorSink(ReactorFixture reactor, List<String> deadLetters) implements HealthEventSink {

        @Override
        public void publish(final HealthEvent event) {
            synchronized (reactor) {
                reactor.observe(event);
            }
        }

        @Override
        public void deadLetter(final String sourceName, final long position, final String input,
                               final DeadLetterReason reason, final String message) {
            deadLetters.add(message);
        }
    }

    /** The reactor, the receiver in front of it, and the clock that both of them read. */
    private static final class Stack implements AutoCloseable {
        final ReactorFixture reactor = new ReactorFixture();
        final SetClock clock = new SetClock();
        final List<String> deadLetters = new CopyOnWriteArrayList<>();
        final WebhookReceiver receiver = WebhookReceiver.start(
                ReceiverSettings.of(new InetSocketAddress("127.0.0.1", 0)), reactor.runbook,
                new ReactorSink(reactor, deadLetters), clock);
        final HttpClient http = HttpClient.newHttpClient();

        /** Moves both clocks to {@code at}, posts the alert then, and returns the shard's new commands. */
        List<RecoveryCommand> deliverAt(final Instant at) throws IOException, InterruptedException {
            synchronized (reactor) {
                reactor.advanceClockTo(at);
            }
            clock.now = at;
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create(receiver.url() + "/alertmanager")).POST(HttpRequest.BodyPublishers.ofString(BODY))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"published\":1");
            return shardCommands();
        }

        /** Returns the new commands for shard-5; safety nets for other targets come out as the clock moves. */
        List<RecoveryCommand> shardCommands() {
            synchronized (reactor) {
                return reactor.readCommands().stream().filter(command -> command.getTarget().equals(SHARD)).toList();
            }
        }

        @Override
        public void close() {
            receiver.close();
            reactor.close();
        }
    }

    @Test
    void shouldRecoverOnceForThreeDeliveries() throws Exception {
        try (Stack stack = new Stack()) {
            // Given the alert delivered at 12:00:00.0 and again at 12:00:00.4 by a second Alertmanager peer
            final List<RecoveryCommand> first = stack.deliverAt(NOON);
            final List<RecoveryCommand> second = stack.deliverAt(NOON.plusMillis(400));

            // Then one incident opens at once, and the second delivery adds nothing
            assertThat(first).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
            assertThat(second).isEmpty();

            // When the incident runs its ladder to recovery
            List<RecoveryCommand> pending = first;
            int steps = 0;
            while (!pending.isEmpty()) {
                final RecoveryCommand command = pending.get(0);
                synchronized (stack.reactor) {
                    stack.reactor.report(succeeded(command, command.getIssuedAt().plusSeconds(1)));
                }
                steps++;
                pending = stack.shardCommands();
            }
            // And Alertmanager's repeat interval delivers the same alert at 16:00
            final List<RecoveryCommand> repeat = stack.deliverAt(REPEAT);

            // Then that alert got exactly one recovery
            assertThat(steps).isGreaterThan(1);
            assertThat(repeat).isEmpty();
            assertThat(stack.deadLetters).isEmpty();
        }
    }

    @Test
    void shouldStartNewAttemptOnRepeatAfterFailure() throws Exception {
        try (Stack stack = new Stack()) {
            // Given the alert's incident failed: a guard rejected its step, and an operator closed it
            final RecoveryCommand mark = stack.deliverAt(NOON).get(0);
            assertThat(stack.deliverAt(NOON.plusMillis(400))).isEmpty();
            synchronized (stack.reactor) {
                stack.reactor.report(outcome(mark, OutcomeStatus.REJECTED_BY_GUARD, NOON.plusSeconds(2),
                        "registry locked"));
            }
            final List<RecoveryCommand> escalation = stack.shardCommands();
            assertThat(escalation).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            synchronized (stack.reactor) {
                stack.reactor.report(succeeded(escalation.get(0), NOON.plusSeconds(3)));
                stack.reactor.instruct("incident/" + mark.getIncidentId(), Controls.incidentAction(
                        mark.getIncidentId(), SHARD, IncidentActionKind.RESOLVE, NOON.plusSeconds(600)));
            }

            // When the repeat interval delivers the same alert at 16:00
            final List<RecoveryCommand> repeat = stack.deliverAt(REPEAT);

            // Then it starts a new attempt in a new incident
            assertThat(repeat).extracting(RecoveryCommand::getStep).containsExactly("mark-unhealthy");
            assertThat(repeat.get(0).getIncidentId()).isNotEqualTo(mark.getIncidentId());
        }
    }
}
