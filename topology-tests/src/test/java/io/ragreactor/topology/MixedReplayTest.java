package io.ragreactor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.reactor.ReactorClock;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.ShardHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A recording that mixes all three scenarios, played live and replayed, gives the same command bytes:
 * a shard that needs a restore, a provider outage with failover, the wait for the provider and the ramp
 * back, and a crash-looping workload.
 */
class MixedReplayTest {

    private static final Instant T0 = ReactorFixture.START;

    /** The recorded health events, built once so that every play uses the same event ids. */
    private static final List<HealthEvent> RECORDING = recording();

    private static List<HealthEvent> recording() {
        final List<HealthEvent> events = new ArrayList<>();
        for (int second = 1; second <= 3; second++) {
            events.add(Events.ioError(Events.shard("shard-5"), T0.plusSeconds(second)));
        }
        for (int second = 10; second <= 14; second++) {
            events.add(ProviderEvents.serverError(ProviderEvents.PRIMARY, T0.plusSeconds(second), 503));
        }
        events.add(BootstrapEvents.crashLoop(BootstrapEvents.GENERATOR, "generator-7d9c6b5f4-x2k8p", "7d9c6b5f4",
                T0.plusSeconds(20)));
        // After the provider has been quiet for ten minutes, good quality readings arrive through the ramp,
        // and a healthy shard reports every minute, which moves stream time along in a replay.
        for (int minute = 11; minute <= 40; minute++) {
            events.add(Events.shardStatus(Events.shard("shard-4"), T0.plus(Duration.ofMinutes(minute)),
                    ShardHealth.HEALTHY, 1000));
            events.add(ProviderEvents.quality(ProviderEvents.PRIMARY, T0.plus(Duration.ofMinutes(minute)).plusSeconds(30),
                    0.85, 0.78, 40));
        }
        return List.copyOf(events);
    }

    /** Plays the recording, reporting an outcome for each command as an actuator would, and returns the command bytes. */
    private static List<String> play(final ReactorClock clock) {
        try (ReactorFixture reactor = new ReactorFixture(Map.of(), clock)) {
            return RecordingPlayer.play(reactor, RECORDING, clock == ReactorClock.WALL);
        }
    }

    private static List<String> steps(final List<String> bytes) {
        final List<String> steps = new ArrayList<>();
        for (final String line : bytes) {
            steps.add(line.substring(0, line.indexOf('@')));
        }
        return steps;
    }

    @Test
    void shouldIssueIdenticalBytesForMixedRecording() {
        final List<String> live = play(ReactorClock.WALL);
        final List<String> replay = play(ReactorClock.WALL);
        final List<String> streamTimeReplay = play(ReactorClock.STREAM);

        // Every scenario ran its whole ladder: mark, reopen, restore, validate, reintroduce, reindex for the
        // shard; switch, four ramp steps, switch back, restore normal for the provider; three for the generator
        assertThat(steps(live)).filteredOn(target -> target.endsWith("/vectorstore/shard-5")).hasSize(6);
        assertThat(steps(live)).filteredOn(target -> target.endsWith("/generator/primary-llm")).hasSize(7);
        assertThat(steps(live)).filteredOn(target -> target.endsWith("/generator/generator")).hasSize(3);
        assertThat(replay).containsExactlyElementsOf(live);
        assertThat(streamTimeReplay).containsExactlyElementsOf(live);
    }
}
