package io.ragreactor.topology;

import static io.ragreactor.topology.ProviderEvents.PRIMARY;
import static io.ragreactor.topology.ProviderEvents.authFailed;
import static io.ragreactor.topology.ProviderEvents.providerError;
import static io.ragreactor.topology.ProviderEvents.quality;
import static io.ragreactor.topology.ProviderEvents.quotaExceeded;
import static io.ragreactor.topology.ProviderEvents.rateLimited;
import static io.ragreactor.topology.ProviderEvents.serverError;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.SwitchProvider;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderOutageDetectionTest {

    private static final Instant T0 = ReactorFixture.START;
    /** The scheduled credential probe would add commands to the output these tests expect to be empty. */
    private static final Map<String, String> NO_PROBE = Map.of("safetyNets.credentialProbe.enabled", "false");

    /** Moves the wall clock to the event's time, as a live reactor would see it, and pipes the event. */
    private static void observeLive(final ReactorFixture reactor, final HealthEvent event) {
        reactor.advanceClockTo(event.getObservedAt());
        reactor.observe(event);
    }

    @Test
    void shouldSwitchToBackupProviderWhenFiveServerErrorsArriveWithinAMinute() {
        final Map<String, String> overrides = Map.of("safetyNets.credentialProbe.enabled", "false",
                "providerOutage.detection.threshold", "5", "providerOutage.detection.window", "1m");
        try (ReactorFixture reactor = new ReactorFixture(overrides)) {
            // Given a burst of 503s from the primary provider at 10:00:05, :15, :25, :35 and :45
            final Instant ten = Instant.parse("2026-11-30T10:00:00Z");
            for (int second = 5; second <= 35; second += 10) {
                observeLive(reactor, serverError(PRIMARY, ten.plusSeconds(second), 503));
            }
            assertThat(reactor.commands.isEmpty()).isTrue();

            // When the fifth arrives and then nothing more while the wall clock passes 10:03
            observeLive(reactor, serverError(PRIMARY, ten.plusSeconds(45), 503));
            final List<RecoveryCommand> atThreshold = reactor.readCommands();
            reactor.advanceClockTo(Instant.parse("2026-11-30T10:03:01Z"));

            // Then exactly one switch to the backup provider went out at the fifth error, and nothing after it
            assertThat(atThreshold).hasSize(1);
            final RecoveryCommand command = atThreshold.get(0);
            assertThat(command.getStep()).isEqualTo("switch-provider");
            assertThat(command.getTarget()).isEqualTo(PRIMARY);
            assertThat(command.getIssuedAt()).isEqualTo(ten.plusSeconds(45));
            final SwitchProvider action = (SwitchProvider) command.getAction();
            assertThat(action.getNamespace()).isEqualTo("rag-prod");
            assertThat(action.getDeployment()).isEqualTo("rag-api");
            assertThat(action.getContainer()).isEqualTo("api");
            assertThat(action.getEnvName()).isEqualTo("PROVIDER");
            assertThat(action.getEnvValue()).isEqualTo("backup-llm");
            // 80 % of the 3m step deadline, so the actuator's own timeout comes first
            assertThat(action.getReadyTimeoutMs()).isEqualTo(144_000L);
            assertThat(reactor.commands.isEmpty()).isTrue();
        }
    }

    @Test
    void shouldNotActOnFourServerErrors() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given four 5xx responses within a minute
            final int[] statuses = {500, 502, 503, 504};
            for (int i = 0; i < statuses.length; i++) {
                observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(10L * (i + 1)), statuses[i]));
            }

            // When the clock moves on within the window
            reactor.advanceClockTo(T0.plusSeconds(50));

            // Then nothing is issued
            assertThat(reactor.commands.isEmpty()).isTrue();
            assertThat(reactor.incidents.isEmpty()).isTrue();

            // And a fifth within the minute is what opens the incident
            observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(55), 529));
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("switch-provider");
        }
    }

    @Test
    void shouldIgnoreRateLimitsBeforeRetryAfter() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a 429 asking to retry after 33 s and a second one 1.45 s later, as in the field sample
            observeLive(reactor, rateLimited(PRIMARY, T0, 33L));
            observeLive(reactor, rateLimited(PRIMARY, T0.plusMillis(1450), 32L));

            // When four 503s and more 429s from clients that do not wait arrive within the minute
            for (int second = 2; second < 30; second++) {
                observeLive(reactor, second % 7 == 0 ? serverError(PRIMARY, T0.plusSeconds(second), 503)
                        : rateLimited(PRIMARY, T0.plusSeconds(second), 33L));
            }
            reactor.advanceClockTo(T0.plusSeconds(31));

            // Then no command: every 429 arrived before the hold passed, so only the four 503s count
            assertThat(reactor.commands.isEmpty()).isTrue();
            observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(32), 503));
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("switch-provider");
        }
    }

    @Test
    void shouldCountRateLimitsAfterRetryAfter() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a 429 asking to retry after 5 s
            observeLive(reactor, rateLimited(PRIMARY, T0, 5L));

            // When each retry after its Retry-After is rate limited again, five times within a minute
            for (int retry = 1; retry <= 5; retry++) {
                observeLive(reactor, rateLimited(PRIMARY, T0.plusSeconds(5L * retry), 5L));
            }

            // Then the persisting rate limit opens an incident like an outage burst
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("switch-provider");
            assertThat(commands.get(0).getIssuedAt()).isEqualTo(T0.plusSeconds(25));
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates.get(0).getChange()).contains("rate limit persists after Retry-After");
        }
    }

    @Test
    void shouldApplyDefaultRetryAfter() {
        final Map<String, String> overrides = Map.of("safetyNets.credentialProbe.enabled", "false",
                "providerOutage.detection.threshold", "1");
        try (ReactorFixture reactor = new ReactorFixture(overrides)) {
            // Given a 429 without Retry-After, so the default of 30 s applies, and another after 29 s
            observeLive(reactor, rateLimited(PRIMARY, T0, null));
            observeLive(reactor, rateLimited(PRIMARY, T0.plusSeconds(29), null));

            // Then neither counts, even with a threshold of one symptom
            assertThat(reactor.commands.isEmpty()).isTrue();

            // When a third arrives when the second one's hold has passed
            observeLive(reactor, rateLimited(PRIMARY, T0.plusSeconds(59), null));

            // Then it counts
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("switch-provider");
            assertThat(commands.get(0).getIssuedAt()).isEqualTo(T0.plusSeconds(59));
        }
    }

    @Test
    void shouldKeepTheLaterRetryAfter() {
        final Map<String, String> overrides = Map.of("safetyNets.credentialProbe.enabled", "false",
                "providerOutage.detection.threshold", "1");
        try (ReactorFixture reactor = new ReactorFixture(overrides)) {
            // Given a 429 asking to retry after 33 s, then one asking to retry after 1 s
            observeLive(reactor, rateLimited(PRIMARY, T0, 33L));
            observeLive(reactor, rateLimited(PRIMARY, T0.plusSeconds(2), 1L));

            // When a 429 arrives after the shorter hold but before the longer one
            observeLive(reactor, rateLimited(PRIMARY, T0.plusSeconds(4), 1L));

            // Then it does not count, because the longer hold still applies
            assertThat(reactor.commands.isEmpty()).isTrue();

            // And a 429 once the longer hold has passed counts
            observeLive(reactor, rateLimited(PRIMARY, T0.plusSeconds(33), 1L));
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getIssuedAt)
                    .containsExactly(T0.plusSeconds(33));
        }
    }

    @Test
    void shouldCountInsufficientQuotaWhateverItsStatus() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given 400 responses that are no quota error, mixed with four whose error type shows the quota is spent
            for (int second = 1; second <= 4; second++) {
                observeLive(reactor, providerError(PRIMARY, T0.plusSeconds(second), 400, "invalid_request_error",
                        null, "max_tokens is too large"));
                observeLive(reactor, quotaExceeded(PRIMARY, T0.plusSeconds(second).plusMillis(500)));
            }
            assertThat(reactor.commands.isEmpty()).isTrue();

            // When a fifth quota error arrives
            observeLive(reactor, quotaExceeded(PRIMARY, T0.plusSeconds(5)));

            // Then the quota errors count like outage statuses, and the other 400s do not count at all
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("switch-provider");
            assertThat(reactor.readIncidentUpdates().get(0).getChange()).contains("quota exhausted");
        }
    }

    @Test
    void shouldEscalateWithoutFailoverWhenProviderRejectsCredentials() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given one 401 from the primary provider
            final HealthEvent rejected = authFailed(PRIMARY, T0.plusSeconds(1));
            observeLive(reactor, rejected);

            // When the wall clock moves on
            reactor.advanceClockTo(T0.plusSeconds(60));

            // Then one escalation names the configuration fault and carries the event as evidence, with no switch
            final List<RecoveryCommand> commands = reactor.readCommands();
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            assertThat(commands.get(0).getCauseEventIds()).contains(rejected.getEventId());
            final Escalate escalate = (Escalate) commands.get(0).getAction();
            assertThat(escalate.getSummary()).contains("configuration fault").contains("HTTP 401")
                    .contains("invalid_request_error").contains("credentials of deployment rag-api");
            assertThat(escalate.getEvidence()).extracting(Evidence::getKind).contains("provider-error");
            assertThat(escalate.getEvidence()).filteredOn(e -> e.getKind().equals("provider-error"))
                    .extracting(Evidence::getText).allMatch(text -> text.contains("HTTP 401"));
            // And the actuator is asked to add the API deployment's recent rollouts, where a key change shows
            assertThat(escalate.getNamespace()).isEqualTo("rag-prod");
            assertThat(escalate.getRecentChangesOf()).isEqualTo(new WorkloadRef("Deployment", "rag-api"));
            final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
            assertThat(updates.get(updates.size() - 1).getState()).isEqualTo(IncidentState.ESCALATED);
        }
    }

    @Test
    void shouldMaskKeyLikeStringsInEvidence() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a 403 whose message echoes a whole API key
            final String key = "sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34";
            observeLive(reactor, providerError(PRIMARY, T0.plusSeconds(1), 403, "permission_error", null,
                    "Key " + key + " may not call this model"));

            // Then neither the summary nor the evidence carries the key
            final Escalate escalate = (Escalate) reactor.readCommands().get(0).getAction();
            assertThat(escalate.getSummary()).doesNotContain(key).contains("HTTP 403");
            assertThat(escalate.getEvidence()).extracting(Evidence::getText).noneMatch(text -> text.contains(key));
        }
    }

    @Test
    void shouldNeverCountQualityReadings() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given four 503s and poor quality readings for a provider without an incident
            for (int second = 1; second <= 4; second++) {
                observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(second), 503));
                observeLive(reactor, quality(PRIMARY, T0.plusSeconds(second).plusMillis(500), 0.1, 0.1, 50));
            }

            // Then the readings open nothing
            assertThat(reactor.commands.isEmpty()).isTrue();
            assertThat(reactor.incidents.isEmpty()).isTrue();

            // And a fifth 503 is what opens the incident
            observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(5), 503));
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getStep).containsExactly("switch-provider");
        }
    }

    @Test
    void shouldIgnoreProviderErrorsOfOtherComponents() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given 503s reported for a target outside the runbook's generator component
            for (int second = 1; second <= 5; second++) {
                observeLive(reactor, serverError("rag-prod/retriever/primary-llm", T0.plusSeconds(second), 503));
            }

            // Then nothing is issued for it, while the same burst on the generator's provider opens an incident
            assertThat(reactor.commands.isEmpty()).isTrue();
            for (int second = 6; second <= 10; second++) {
                observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(second), 503));
            }
            assertThat(reactor.readCommands()).extracting(RecoveryCommand::getTarget).containsExactly(PRIMARY);
        }
    }
}
