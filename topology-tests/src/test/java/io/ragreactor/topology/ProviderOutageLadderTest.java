package io.ragreactor.topology;

import static io.ragreactor.topology.Events.outcome;
import static io.ragreactor.topology.Events.succeeded;
import static io.ragreactor.topology.ProviderEvents.BACKUP;
import static io.ragreactor.topology.ProviderEvents.PRIMARY;
import static io.ragreactor.topology.ProviderEvents.quality;
import static io.ragreactor.topology.ProviderEvents.serverError;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.command.ApplySettings;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.SettingsCarrier;
import io.ragreactor.schemas.command.SettingsPurpose;
import io.ragreactor.schemas.command.SwitchProvider;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.StepRecord;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderOutageLadderTest {

    private static final Instant T0 = ReactorFixture.START;
    private static final Duration HEALTHY_FOR = Duration.ofMinutes(10);
    private static final Duration HOLD = Duration.ofMinutes(5);
    /** The scheduled credential probe would add commands to the output these tests expect to be empty. */
    private static final Map<String, String> NO_PROBE = Map.of("safetyNets.credentialProbe.enabled", "false");

    private static Map<String, String> overrides(final String... keysAndValues) {
        final Map<String, String> overrides = new HashMap<>(NO_PROBE);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            overrides.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return overrides;
    }

    /** Moves the wall clock to the event's time, as a live reactor would see it, and pipes the event. */
    private static void observeLive(final ReactorFixture reactor, final HealthEvent event) {
        reactor.advanceClockTo(event.getObservedAt());
        reactor.observe(event);
    }

    /** Opens an incident on {@code target} with five 503s at T0+1s..T0+5s and returns its first command. */
    private static RecoveryCommand openIncident(final ReactorFixture reactor, final String target) {
        for (int second = 1; second <= 5; second++) {
            observeLive(reactor, serverError(target, T0.plusSeconds(second), 503));
        }
        return onlyCommand(reactor);
    }

    private static RecoveryCommand onlyCommand(final ReactorFixture reactor) {
        final List<RecoveryCommand> commands = reactor.readCommands();
        assertThat(commands).hasSize(1);
        return commands.get(0);
    }

    /** Reports the success of {@code command} at {@code at} and moves the wall clock there. */
    private static void succeed(final ReactorFixture reactor, final RecoveryCommand command, final Instant at) {
        reactor.advanceClockTo(at);
        reactor.report(succeeded(command, at));
    }

    /**
     * Lets a ramp step succeed at {@code at}, feeds the hold two readings over 15 requests each with
     * {@code citationHitRate} and {@code precision}, moves the clock past the hold and returns what follows.
     */
    private static List<RecoveryCommand> holdRamp(final ReactorFixture reactor, final RecoveryCommand ramp,
                                                  final Instant at, final double citationHitRate,
                                                  final double precision) {
        succeed(reactor, ramp, at);
        observeLive(reactor, quality(ramp.getTarget(), at.plusSeconds(60), citationHitRate, precision, 15));
        observeLive(reactor, quality(ramp.getTarget(), at.plusSeconds(120), citationHitRate, precision, 15));
        assertThat(reactor.commands.isEmpty()).isTrue();
        reactor.advanceClockTo(at.plus(HOLD).plusSeconds(1));
        return reactor.readCommands();
    }

    private static ApplySettings settings(final RecoveryCommand command) {
        return (ApplySettings) command.getAction();
    }

    /** Ramps 10, 25, 50 and 100 % with good readings from the first ramp step on, and returns the step after 100 %. */
    private static RecoveryCommand rampToFull(final ReactorFixture reactor, final RecoveryCommand first) {
        RecoveryCommand ramp = first;
        for (final int percent : List.of(10, 25, 50, 100)) {
            assertThat(ramp.getStep()).isEqualTo("ramp-" + percent);
            final ApplySettings action = settings(ramp);
            assertThat(action.getPurpose()).isEqualTo(SettingsPurpose.RAMP);
            assertThat(action.getTrafficPercent()).isEqualTo(percent);
            assertThat(action.getValues()).containsExactlyEntriesOf(
                    Map.of("RAG_PRIMARY_TRAFFIC_PERCENT", Integer.toString(percent)));
            final List<RecoveryCommand> next = holdRamp(reactor, ramp, ramp.getIssuedAt().plusSeconds(5), 0.85, 0.78);
            assertThat(next).hasSize(1);
            ramp = next.get(0);
        }
        return ramp;
    }

    private static IncidentUpdate lastUpdate(final ReactorFixture reactor) {
        final List<IncidentUpdate> updates = reactor.readIncidentUpdates();
        return updates.get(updates.size() - 1);
    }

    @Test
    void shouldRampBackThenSwitchBack() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given an outage of the primary provider, switched over to the backup
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            assertThat(switchProvider.getStep()).isEqualTo("switch-provider");
            succeed(reactor, switchProvider, T0.plusSeconds(30));

            // When no symptom follows for 10 minutes after the last one
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).minusSeconds(1));
            assertThat(reactor.commands.isEmpty()).isTrue();
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(1));

            // Then traffic ramps back step by step, held with good readings, and the provider is switched back
            final RecoveryCommand firstRamp = onlyCommand(reactor);
            assertThat(firstRamp.getIssuedAt()).isEqualTo(T0.plusSeconds(5).plus(HEALTHY_FOR));
            final RecoveryCommand switchBack = rampToFull(reactor, firstRamp);
            assertThat(switchBack.getStep()).isEqualTo("switch-back");
            final SwitchProvider back = (SwitchProvider) switchBack.getAction();
            assertThat(back.getEnvName()).isEqualTo("PROVIDER");
            assertThat(back.getEnvValue()).isEqualTo("primary-llm");
            succeed(reactor, switchBack, switchBack.getIssuedAt().plusSeconds(20));

            // And the normal settings are restored, which closes the incident as recovered
            final RecoveryCommand restore = onlyCommand(reactor);
            assertThat(restore.getStep()).isEqualTo("restore-normal");
            assertThat(settings(restore).getPurpose()).isEqualTo(SettingsPurpose.RESTORE_NORMAL);
            assertThat(settings(restore).getCarrier()).isEqualTo(SettingsCarrier.CONFIG_MAP);
            assertThat(settings(restore).getName()).isEqualTo("rag-api-settings");
            assertThat(settings(restore).getValues()).containsEntry("RAG_FALLBACK_MODE", "off")
                    .containsEntry("RAG_LONG_REQUESTS", "inline");
            succeed(reactor, restore, restore.getIssuedAt().plusSeconds(5));

            assertThat(reactor.commands.isEmpty()).isTrue();
            final IncidentUpdate last = lastUpdate(reactor);
            assertThat(last.getState()).isEqualTo(IncidentState.RECOVERED);
            assertThat(last.getChange()).contains("traffic back to 100 % on primary-llm");
            assertThat(last.getSteps()).extracting(StepRecord::getStep).containsExactly("switch-provider", "ramp-10",
                    "ramp-25", "ramp-50", "ramp-100", "switch-back", "restore-normal");

            // And the summary times mitigation by the switch and recovery by the ramp's step to 100 %
            final long first = last.getFirstSymptomAt().toEpochMilli();
            assertThat(last.getSummary().getTimeToMitigateMs()).isEqualTo(T0.plusSeconds(30).toEpochMilli() - first);
            assertThat(last.getSummary().getTimeToRecoverMs())
                    .isEqualTo(last.getSteps().get(4).getFinishedAt().toEpochMilli() - first);
        }
    }

    @Test
    void shouldFallBackAndThrottleWithoutBackup() {
        try (ReactorFixture reactor = new ReactorFixture(overrides("providerOutage.backup.provider", ""))) {
            // Given an outage of a provider without backup
            final RecoveryCommand fallback = openIncident(reactor, PRIMARY);

            // Then the ladder turns on the local fallback mode
            assertThat(fallback.getStep()).isEqualTo("fallback-mode");
            assertThat(settings(fallback).getPurpose()).isEqualTo(SettingsPurpose.FALLBACK_MODE);
            assertThat(settings(fallback).getValues()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("RAG_FALLBACK_MODE", "cached-answers", "RAG_UNKNOWN_QUESTIONS", "refuse"));
            assertThat(settings(fallback).getContainer()).isNull();
            assertThat(settings(fallback).getTrafficPercent()).isNull();
            succeed(reactor, fallback, T0.plusSeconds(10));

            // And throttles, moving long requests to the worker queue
            final RecoveryCommand throttle = onlyCommand(reactor);
            assertThat(throttle.getStep()).isEqualTo("throttle");
            assertThat(settings(throttle).getPurpose()).isEqualTo(SettingsPurpose.THROTTLE);
            assertThat(settings(throttle).getValues()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("RAG_MAX_REQUESTS_PER_SECOND", "5", "RAG_LONG_REQUESTS", "worker-queue"));
            succeed(reactor, throttle, T0.plusSeconds(15));

            // When the provider stays quiet, the ramp runs to 100 % and restores the normal settings, no switch-back
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand restore = rampToFull(reactor, onlyCommand(reactor));
            assertThat(restore.getStep()).isEqualTo("restore-normal");
            succeed(reactor, restore, restore.getIssuedAt().plusSeconds(5));

            // Then the incident is recovered
            final IncidentUpdate last = lastUpdate(reactor);
            assertThat(last.getState()).isEqualTo(IncidentState.RECOVERED);
            assertThat(last.getSteps()).extracting(StepRecord::getStep).containsExactly("fallback-mode", "throttle",
                    "ramp-10", "ramp-25", "ramp-50", "ramp-100", "restore-normal");
        }
    }

    @Test
    void shouldFallBackWhenBackupItselfFails() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given an outage of the backup provider
            final RecoveryCommand first = openIncident(reactor, BACKUP);

            // Then there is nothing to switch to, so the ladder uses the local fallback
            assertThat(first.getStep()).isEqualTo("fallback-mode");
        }
    }

    @Test
    void shouldFallBackWhenSwitchFails() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a switch to the backup provider
            final RecoveryCommand first = openIncident(reactor, PRIMARY);

            // When both of its attempts fail
            reactor.report(outcome(first, OutcomeStatus.FAILED, T0.plusSeconds(40), "rollout did not become ready"));
            final RecoveryCommand second = onlyCommand(reactor);
            assertThat(second.getStep()).isEqualTo("switch-provider");
            assertThat(second.getAttempt()).isEqualTo(2);
            reactor.report(outcome(second, OutcomeStatus.FAILED, T0.plusSeconds(80), "rollout did not become ready"));

            // Then the ladder falls back to the local fallback mode, then throttles
            final RecoveryCommand fallback = onlyCommand(reactor);
            assertThat(fallback.getStep()).isEqualTo("fallback-mode");
            succeed(reactor, fallback, T0.plusSeconds(90));
            assertThat(onlyCommand(reactor).getStep()).isEqualTo("throttle");
        }
    }

    @Test
    void shouldEscalateWhenFallbackModeFails() {
        try (ReactorFixture reactor = new ReactorFixture(overrides("providerOutage.backup.provider", ""))) {
            // Given a fallback mode whose two attempts fail
            final RecoveryCommand first = openIncident(reactor, PRIMARY);
            reactor.report(outcome(first, OutcomeStatus.FAILED, T0.plusSeconds(20), "configmap update rejected"));
            reactor.report(outcome(onlyCommand(reactor), OutcomeStatus.FAILED, T0.plusSeconds(40),
                    "configmap update rejected"));

            // Then the ladder escalates with the failure
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(((Escalate) escalate.getAction()).getSummary())
                    .contains("fallback-mode failed after 2 attempt(s)");
        }
    }

    @Test
    void shouldPostponeRampWhileOutageSymptomsContinue() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a switch to the backup provider that succeeded
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));

            // When the primary fails again 8 minutes later, during the wait for its recovery
            observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(480), 503));

            // Then no ramp starts when the first healthy period would have ended
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(30));
            assertThat(reactor.commands.isEmpty()).isTrue();

            // And the ramp starts 10 minutes after the new symptom
            reactor.advanceClockTo(T0.plusSeconds(480).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand ramp = onlyCommand(reactor);
            assertThat(ramp.getStep()).isEqualTo("ramp-10");
            assertThat(ramp.getIssuedAt()).isEqualTo(T0.plusSeconds(480).plus(HEALTHY_FOR));
        }
    }

    @Test
    void shouldEscalateAfterMaxWait() {
        final Map<String, String> overrides = overrides("providerOutage.steps.awaitRecovery.maxWait", "30m");
        try (ReactorFixture reactor = new ReactorFixture(overrides)) {
            // Given a switch to the backup provider that succeeded at T0+30s
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));

            // When the primary keeps failing every 5 minutes
            for (int minute = 5; minute <= 30; minute += 5) {
                observeLive(reactor, serverError(PRIMARY, T0.plusSeconds(60L * minute), 503));
                assertThat(reactor.commands.isEmpty()).isTrue();
            }
            reactor.advanceClockTo(T0.plusSeconds(30).plus(Duration.ofMinutes(30)).plusSeconds(1));

            // Then the ladder escalates when the maximum wait has passed, without any ramp
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(escalate.getIssuedAt()).isEqualTo(T0.plusSeconds(30).plus(Duration.ofMinutes(30)));
            assertThat(((Escalate) escalate.getAction()).getSummary()).contains("was not free of symptoms for 10m")
                    .contains("within 30m");
            assertThat(lastUpdate(reactor).getState()).isEqualTo(IncidentState.ESCALATED);
        }
    }

    @Test
    void shouldEscalateOnSecondRegression() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a ramp that held 10 % with good readings
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand ramp10 = onlyCommand(reactor);
            final RecoveryCommand ramp25 = holdRamp(reactor, ramp10, ramp10.getIssuedAt().plusSeconds(5), 0.85, 0.78)
                    .get(0);
            assertThat(ramp25.getStep()).isEqualTo("ramp-25");

            // When a reading at 25 % shows a citation hit rate below the baseline minus the tolerance
            final Instant ramped = ramp25.getIssuedAt().plusSeconds(5);
            succeed(reactor, ramp25, ramped);
            observeLive(reactor, quality(PRIMARY, ramped.plusSeconds(60), 0.70, 0.78, 15));

            // Then traffic rolls back to 0 % at once
            final RecoveryCommand rollback = onlyCommand(reactor);
            assertThat(rollback.getStep()).isEqualTo("rollback-1");
            assertThat(rollback.getIssuedAt()).isEqualTo(ramped.plusSeconds(60));
            assertThat(settings(rollback).getPurpose()).isEqualTo(SettingsPurpose.RAMP);
            assertThat(settings(rollback).getTrafficPercent()).isZero();
            assertThat(settings(rollback).getValues())
                    .containsExactlyEntriesOf(Map.of("RAG_PRIMARY_TRAFFIC_PERCENT", "0"));

            // And after the rollback and a whole healthy period from it, the ramp starts over in round 2
            succeed(reactor, rollback, ramped.plusSeconds(70));
            reactor.advanceClockTo(ramped.plusSeconds(72));
            assertThat(reactor.readCommands()).isEmpty();
            reactor.advanceClockTo(ramped.plusSeconds(70).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand round2 = onlyCommand(reactor);
            assertThat(round2.getStep()).isEqualTo("ramp-10-round-2");
            assertThat(settings(round2).getTrafficPercent()).isEqualTo(10);

            // When a reading in the second round shows a precision below the baseline minus the tolerance
            final Instant rampedAgain = round2.getIssuedAt().plusSeconds(5);
            succeed(reactor, round2, rampedAgain);
            observeLive(reactor, quality(PRIMARY, rampedAgain.plusSeconds(60), 0.85, 0.60, 15));
            final List<RecoveryCommand> afterHold = reactor.readCommands();

            // Then the ladder escalates with the readings as evidence
            assertThat(afterHold).extracting(RecoveryCommand::getStep).containsExactly("escalate");
            final Escalate escalate = (Escalate) afterHold.get(0).getAction();
            assertThat(escalate.getSummary()).contains("quality regressed at 10 %").contains("precision 0.600")
                    .contains("2 regression(s), more than the 1 allowed");
            assertThat(escalate.getEvidence()).filteredOn(e -> e.getKind().equals("quality")).hasSize(2)
                    .extracting(Evidence::getText).anyMatch(text -> text.contains("citation hit rate 0.700"));
            final IncidentUpdate last = lastUpdate(reactor);
            assertThat(last.getState()).isEqualTo(IncidentState.ESCALATED);
            assertThat(last.getSteps()).extracting(StepRecord::getStep).containsExactly("switch-provider", "ramp-10",
                    "ramp-25", "rollback-1", "ramp-10-round-2", "escalate");
        }
    }

    @Test
    void shouldRollBackOnFailureDuringHold() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a ramp step at 10 % whose hold has started
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand ramp10 = onlyCommand(reactor);
            final Instant ramped = ramp10.getIssuedAt().plusSeconds(5);
            succeed(reactor, ramp10, ramped);

            // When the provider answers 503 during the hold
            observeLive(reactor, serverError(PRIMARY, ramped.plusSeconds(90), 503));

            // Then traffic rolls back, and the next ramp waits a full healthy period after the rollback
            final RecoveryCommand rollback = onlyCommand(reactor);
            assertThat(rollback.getStep()).isEqualTo("rollback-1");
            succeed(reactor, rollback, ramped.plusSeconds(100));
            reactor.advanceClockTo(ramped.plusSeconds(100).plus(HEALTHY_FOR).minusSeconds(1));
            assertThat(reactor.commands.isEmpty()).isTrue();
            reactor.advanceClockTo(ramped.plusSeconds(100).plus(HEALTHY_FOR).plusSeconds(1));
            assertThat(onlyCommand(reactor).getStep()).isEqualTo("ramp-10-round-2");
        }
    }

    @Test
    void shouldRollBackOnFailureDuringRampStep() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a ramp step at 10 % that has been issued
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand ramp10 = onlyCommand(reactor);

            // When the provider answers 503 before the step's outcome arrives
            observeLive(reactor, serverError(PRIMARY, ramp10.getIssuedAt().plusSeconds(2), 503));
            assertThat(reactor.commands.isEmpty()).isTrue();
            succeed(reactor, ramp10, ramp10.getIssuedAt().plusSeconds(5));

            // Then the step's success starts no hold: traffic rolls back at once
            final RecoveryCommand rollback = onlyCommand(reactor);
            assertThat(rollback.getStep()).isEqualTo("rollback-1");
            assertThat(rollback.getIssuedAt()).isEqualTo(ramp10.getIssuedAt().plusSeconds(5));
        }
    }

    @Test
    void shouldEscalateWhenTooFewSamples() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a ramp step at 10 % whose hold has started
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand ramp10 = onlyCommand(reactor);
            final Instant ramped = ramp10.getIssuedAt().plusSeconds(5);
            succeed(reactor, ramp10, ramped);

            // When only 12 requests are sampled, with good quality, before the hold ends
            observeLive(reactor, quality(PRIMARY, ramped.plusSeconds(60), 0.9, 0.9, 12));
            reactor.advanceClockTo(ramped.plus(HOLD).plusSeconds(1));

            // Then quality is unproven and the ladder escalates instead of ramping further
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(escalate.getIssuedAt()).isEqualTo(ramped.plus(HOLD));
            assertThat(((Escalate) escalate.getAction()).getSummary()).contains("quality unproven at 10 %")
                    .contains("12 request(s) sampled (at least 20 needed)");
        }
    }

    @Test
    void shouldIgnoreReadingsOfOtherProvider() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a ramp step at 10 % whose hold has started
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));
            reactor.advanceClockTo(T0.plusSeconds(5).plus(HEALTHY_FOR).plusSeconds(1));
            final RecoveryCommand ramp10 = onlyCommand(reactor);
            final Instant ramped = ramp10.getIssuedAt().plusSeconds(5);
            succeed(reactor, ramp10, ramped);

            // When a poor reading names the backup provider and good ones name the primary
            final HealthEvent backupReading = Events.event(PRIMARY, ramped.plusSeconds(30), "quality-sampler",
                    new io.ragreactor.schemas.health.QualityReading("backup-llm", 0.1, 0.1, 50));
            observeLive(reactor, backupReading);
            observeLive(reactor, quality(PRIMARY, ramped.plusSeconds(60), 0.85, 0.78, 30));
            reactor.advanceClockTo(ramped.plus(HOLD).plusSeconds(1));

            // Then only the primary's readings count and the ramp goes on
            assertThat(onlyCommand(reactor).getStep()).isEqualTo("ramp-25");
        }
    }

    @Test
    void shouldEscalateAuthFailureDuringLadder() {
        try (ReactorFixture reactor = new ReactorFixture(NO_PROBE)) {
            // Given a switch to the backup provider that succeeded
            final RecoveryCommand switchProvider = openIncident(reactor, PRIMARY);
            succeed(reactor, switchProvider, T0.plusSeconds(30));

            // When the primary rejects the credentials during the wait for its recovery
            observeLive(reactor, ProviderEvents.authFailed(PRIMARY, T0.plusSeconds(120)));

            // Then the ladder stops and escalates the configuration fault
            final RecoveryCommand escalate = onlyCommand(reactor);
            assertThat(escalate.getStep()).isEqualTo("escalate");
            assertThat(((Escalate) escalate.getAction()).getSummary()).contains("configuration fault");

            // And no ramp follows once the healthy period has passed
            reactor.report(succeeded(escalate, T0.plusSeconds(125)));
            reactor.advanceClockTo(T0.plus(HEALTHY_FOR).plusSeconds(60));
            assertThat(reactor.commands.isEmpty()).isTrue();
        }
    }
}
