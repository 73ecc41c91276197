package io.ragreactor.topology;

import static io.ragreactor.topology.Events.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A resolved alert is not proof of recovery, and a flapping alert does not become a restart loop: within the
 * cooldown after a recovery one more incident runs its ladder, and the next goes to a human.
 */
class FlappingAlertTest {

    private static final String RETRIEVER = "rag-prod/retriever/retriever";
    private static final String FINGERPRINT = "9b1e";

    private static Instant at(final String time) {
        return Instant.parse("2026-11-30T" + time + "Z");
    }

    /** The RetrieverDown alert, firing or resolved, as the receiver turns it into a health event at {@code received}. */
    private static HealthEvent retrieverDown(final AlertOrigin alert, final Instant received) {
        return HealthEvent.newBuilder(BootstrapEvents.readinessMissed(RETRIEVER, "retriever-6f7d8c9b5-q4w2e", 600,
                        received))
                .setSource("alertmanager-receiver")
                .setAlertOrigin(alert)
                .build();
    }

    /** Moves the clock to {@code received}, delivers the event and returns the retriever's commands. */
    private static List<RecoveryCommand> deliver(final ReactorFixture reactor, final HealthEvent event) {
        reactor.advanceClockTo(event.getObservedAt());
        reactor.observe(event);
        return retrieverCommands(reactor);
    }

    /** The retriever's commands; scheduled safety nets for other targets come out as the clock moves. */
    private static List<RecoveryCommand> retrieverCommands(final ReactorFixture reactor) {
        return reactor.readCommands().stream().filter(command -> command.getTarget().equals(RETRIEVER)).toList();
    }

    /** Reports success for every command of the retriever until its incident recovers. */
    private static void recover(final ReactorFixture reactor, final List<RecoveryCommand> first) {
        List<RecoveryCommand> pending = first;
        while (!pending.isEmpty()) {
            assertThat(pending).hasSize(1);
            final RecoveryCommand command = pending.get(0);
            reactor.report(succeeded(command, command.getIssuedAt().plusSeconds(10)));
            pending = retrieverCommands(reactor);
        }
        final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
        assertThat(updates.get(updates.size() - 1).getState()).isEqualTo(IncidentState.RECOVERED);
    }

    @Test
    void shouldEscalateThirdFiringWithinCooldown() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given RetrieverDown firing at 12:00, recovered by the ladder, resolved at 12:05
            final AlertOrigin first = Controls.firing("RetrieverDown", FINGERPRINT, at("12:00:00"));
            final List<RecoveryCommand> firstCommands = deliver(reactor, retrieverDown(first, at("12:00:00")));
            assertThat(firstCommands).extracting(RecoveryCommand::getStep).containsExactly("inspect");
            recover(reactor, firstCommands);
            assertThat(deliver(reactor, retrieverDown(Controls.resolved("RetrieverDown", FINGERPRINT, at("12:00:00")),
                    at("12:05:00")))).isEmpty();

            // When it fires again at 12:06 (one more attempt is allowed) and, after resolving at 12:11, at 12:12
            final AlertOrigin second = Controls.firing("RetrieverDown", FINGERPRINT, at("12:06:00"));
            final List<RecoveryCommand> secondCommands = deliver(reactor, retrieverDown(second, at("12:06:00")));
            assertThat(secondCommands).extracting(RecoveryCommand::getStep).containsExactly("inspect");
            recover(reactor, secondCommands);
            deliver(reactor, retrieverDown(Controls.resolved("RetrieverDown", FINGERPRINT, at("12:06:00")),
                    at("12:11:00")));
            final AlertOrigin third = Controls.firing("RetrieverDown", FINGERPRINT, at("12:12:00"));
            final List<RecoveryCommand> thirdCommands = deliver(reactor, retrieverDown(third, at("12:12:00")));

            // Then the third firing goes to a human instead of a third restart
            assertThat(thirdCommands).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            assertThat(((Escalate) thirdCommands.get(0).getAction()).getSummary()).startsWith("flapping");
        }
    }

    @Test
    void shouldKeepIncidentOpenWhenAlertResolves() {
        try (ReactorFixture reactor = new ReactorFixture()) {
            // Given RetrieverDown firing and its ladder's first step pending
            final AlertOrigin alert = Controls.firing("RetrieverDown", FINGERPRINT, at("12:00:00"));
            final RecoveryCommand inspect = deliver(reactor, retrieverDown(alert, at("12:00:00"))).get(0);
            reactor.readIncidentUpdates();

            // When the alert resolves before the step's outcome
            deliver(reactor, retrieverDown(Controls.resolved("RetrieverDown", FINGERPRINT, at("12:00:00")),
                    at("12:00:30")));

            // Then nothing closes: the resolved alert is not taken as proof of recovery
            assertThat(reactor.readIncidentUpdates()).isEmpty();
            reactor.report(succeeded(inspect, at("12:00:40")));
            assertThat(retrieverCommands(reactor)).extracting(RecoveryCommand::getStep).containsExactly("run-migrations");
        }
    }
}
