package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.IncidentAction;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.control.KillSwitch;
import io.ragreactor.schemas.control.Silence;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the control commands against a real broker and reads each record back from rag.control, decoded, under
 * the key the reactor looks it up by.
 */
class ControlCommandsTest {

    private static final String SHARD = "rag-prod/vectorstore/shard-5";
    private static final String PROVIDER = "rag-prod/generator/primary-llm";

    private static CliCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = CliCluster.start();
        final Instant detected = Instant.now().minus(1, ChronoUnit.HOURS);
        send(TestRecords.incident("inc-shard", SHARD, IncidentState.ESCALATED, detected, detected));
        send(TestRecords.incident("inc-provider", PROVIDER, IncidentState.ESCALATED, detected, detected));
        send(TestRecords.incident("inc-done", SHARD, IncidentState.RECOVERED, detected, detected));
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void resolveWritesIncidentAction() {
        final Instant before = Instant.now();

        final CliCluster.Run run = cluster.run("resolve", "inc-shard", "--by", "alice", "--reason",
                "restored by hand");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("incident/inc-shard", "RESOLVE of " + SHARD);
        final ControlRecord record = latest("incident/inc-shard").orElseThrow();
        assertThat(record.getCreatedBy()).isEqualTo("alice");
        assertThat(record.getComment()).isEqualTo("restored by hand");
        assertThat(record.getCreatedAt()).isBetween(before.truncatedTo(ChronoUnit.MILLIS), Instant.now());
        final IncidentAction action = (IncidentAction) record.getInstruction();
        assertThat(action.getIncidentId()).isEqualTo("inc-shard");
        assertThat(action.getTarget()).isEqualTo(SHARD);
        assertThat(action.getAction()).isEqualTo(IncidentActionKind.RESOLVE);
    }

    @Test
    void handbackDefaultsToUserName() {
        final CliCluster.Run run = cluster.run("handback", "inc-provider", "--reason", "provider fixed");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final ControlRecord record = latest("incident/inc-provider").orElseThrow();
        assertThat(record.getCreatedBy()).isEqualTo(System.getProperty("user.name"));
        final IncidentAction action = (IncidentAction) record.getInstruction();
        assertThat(action.getTarget()).isEqualTo(PROVIDER);
        assertThat(action.getAction()).isEqualTo(IncidentActionKind.HAND_BACK);
    }

    @Test
    void resolveUnknownIdFails() {
        final CliCluster.Run run = cluster.run("resolve", "inc-unknown", "--reason", "typo");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("incident 'inc-unknown' not found on rag.incidents");
        assertThat(run.err()).doesNotContain("Exception");
        assertThat(latest("incident/inc-unknown")).isEmpty();
    }

    @Test
    void resolveClosedIncidentFails() {
        final CliCluster.Run run = cluster.run("resolve", "inc-done", "--reason", "late");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("incident inc-done of " + SHARD + " is already RECOVERED");
        assertThat(latest("incident/inc-done")).isEmpty();
    }

    @Test
    void silenceWritesTargetSilence() {
        final CliCluster.Run run = cluster.run("silence", "--target", SHARD, "--for", "2h", "--name",
                "shard-5-disk-swap", "--by", "bob", "--reason", "disk swap");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final ControlRecord record = latest("silence/shard-5-disk-swap").orElseThrow();
        assertThat(record.getCreatedBy()).isEqualTo("bob");
        assertThat(record.getComment()).isEqualTo("disk swap");
        final Silence silence = (Silence) record.getInstruction();
        assertThat(silence.getMatcher().getNamespace()).isEqualTo("rag-prod");
        assertThat(silence.getMatcher().getComponent()).isEqualTo("vectorstore");
        assertThat(silence.getMatcher().getInstance()).isEqualTo("shard-5");
        assertThat(Duration.between(silence.getStartsAt(), silence.getEndsAt())).isEqualTo(Duration.ofHours(2));
        assertThat(silence.getStartsAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
    }

    @Test
    void silenceOfComponentGetsDefaultName() {
        final CliCluster.Run run = cluster.run("silence", "--component", "rag-prod/generator", "--for", "30m",
                "--reason", "provider migration");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final String key = run.out().replaceAll("(?s).*Wrote (silence/rag-prod-generator-[0-9-]+) .*", "$1");
        assertThat(key).matches("silence/rag-prod-generator-[0-9]{8}-[0-9]{6}");
        final Silence silence = (Silence) latest(key).orElseThrow().getInstruction();
        assertThat(silence.getMatcher().getComponent()).isEqualTo("generator");
        assertThat(silence.getMatcher().getInstance()).isNull();
        assertThat(Duration.between(silence.getStartsAt(), silence.getEndsAt())).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void silenceRemoveWritesTombstone() {
        assertThat(cluster.run("silence", "--target", SHARD, "--for", "1h", "--name", "to-remove", "--reason",
                "test").exitCode()).isZero();

        final CliCluster.Run run = cluster.run("silence", "--remove", "to-remove");

        assertThat(run.exitCode()).as(run.err()).isZero();
        final List<ConsumerRecord<byte[], byte[]>> records = controlRecords("silence/to-remove");
        assertThat(records).hasSize(2);
        assertThat(records.get(1).value()).isNull();
    }

    @Test
    void silenceRemoveUnknownFails() {
        final CliCluster.Run run = cluster.run("silence", "--remove", "never-written");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("silence 'never-written' not found on rag.control");
        assertThat(controlRecords("silence/never-written")).isEmpty();
    }

    @Test
    void silenceInvalidTargetIsUsageError() {
        final CliCluster.Run run = cluster.run("silence", "--target", "rag-prod/Vector_Store/shard-5", "--for", "1h",
                "--reason", "test");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("invalid --target 'rag-prod/Vector_Store/shard-5'");
    }

    @Test
    void silenceNeedsOneMatcher() {
        final CliCluster.Run run = cluster.run("silence", "--for", "1h", "--reason", "test");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("pass exactly one of --target");
    }

    @Test
    void pauseAndResumeWriteKillSwitch() {
        final CliCluster.Run pause = cluster.run("pause", "--by", "carol", "--reason", "bad runbook rollout");

        assertThat(pause.exitCode()).as(pause.err()).isZero();
        final ControlRecord engaged = latest("kill-switch").orElseThrow();
        assertThat(((KillSwitch) engaged.getInstruction()).getEngaged()).isTrue();
        assertThat(engaged.getCreatedBy()).isEqualTo("carol");
        assertThat(engaged.getComment()).isEqualTo("bad runbook rollout");

        final CliCluster.Run resume = cluster.run("resume", "--by", "carol", "--reason", "rollout reverted");

        assertThat(resume.exitCode()).as(resume.err()).isZero();
        final ControlRecord released = latest("kill-switch").orElseThrow();
        assertThat(((KillSwitch) released.getInstruction()).getEngaged()).isFalse();
        assertThat(released.getComment()).isEqualTo("rollout reverted");
    }

    @Test
    void reasonIsRequired() {
        final CliCluster.Run run = cluster.run("pause");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--reason");
    }

    /** Returns the records of rag.control under {@code key}, oldest first; the topic has one partition. */
    private static List<ConsumerRecord<byte[], byte[]>> controlRecords(final String key) {
        return cluster.readAll(cluster.topics().control().name()).stream()
                .filter(record -> key.equals(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8)))
                .toList();
    }

    /** Returns the latest value under {@code key} on rag.control, decoded; empty when none or a tombstone. */
    private static Optional<ControlRecord> latest(final String key) {
        final List<ConsumerRecord<byte[], byte[]>> records = controlRecords(key);
        if (records.isEmpty() || records.get(records.size() - 1).value() == null) {
            return Optional.empty();
        }
        final ConsumerRecord<byte[], byte[]> last = records.get(records.size() - 1);
        return Optional.of(cluster.topics().control().valueSerde().deserializer().deserialize(last.topic(),
                last.value()));
    }

    private static void send(final IncidentUpdate update) {
        cluster.send(cluster.topics().incidents().name(), cluster.topics().incidents().valueSerde().serializer(),
                update.getIncidentId(), update, update.getUpdatedAt().toEpochMilli());
    }
}
