package io.ragreactor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.cli.LocalLoop;
import io.ragreactor.embedded.junit.KafkaBrokerExtension;
import io.ragreactor.embedded.kafka.KafkaBroker;
import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesIngress;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.ingress.ProbeLineParser;
import io.ragreactor.ingress.Retimer;
import io.ragreactor.local.LocalRuntime;
import io.ragreactor.reactor.sharddown.ShardDownCommands;
import io.ragreactor.reactor.sharddown.ShardDownStep;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.target.Target;
import io.ragreactor.schemas.topics.Topic;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole loop on a real broker under exactly_once_v2: ingress, reactor, actuators, the simulated
 * cluster and S3. Each test starts its own local runtime on the one broker of the run, so topics are
 * shared and each test only looks at its own target's records.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ShardRecoveryIT {

    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(90);
    private static final List<String> LADDER = List.of("mark-unhealthy", "reopen", "restore", "validate", "reintroduce",
            "reindex");

    @Test
    void shouldRecoverShardFiveStepByStep(final KafkaBroker broker) throws Exception {
        final Instant testStart = Instant.now();
        try (LocalLoop loop = LocalLoop.start(LocalRuntime.Options.defaults()
                .withExternalBroker(broker.bootstrapServers()))) {
            // Given the sample recording, in which shard-5 degrades and shard-4 stays healthy
            final String sample = sample();

            // When it is produced to the health topic
            play(loop, sample);

            // Then shard-5's incident closes as recovered through the whole ladder, one command per step
            final String target = "rag-prod/vectorstore/shard-5";
            final IncidentUpdate closed = awaitClosed(loop, target);
            assertThat(closed.getState()).isEqualTo(IncidentState.RECOVERED);
            final List<RecoveryCommand> commands = readAll(loop, loop.topics().commands(),
                    command -> command.getIncidentId().equals(closed.getIncidentId()));
            assertThat(commands).extracting(RecoveryCommand::getStep).containsExactlyElementsOf(LADDER);
            assertThat(commands).extracting(RecoveryCommand::getCommandId).doesNotHaveDuplicates();

            final List<RecoveryOutcome> outcomes = readAll(loop, loop.topics().outcomes(),
                    outcome -> outcome.getIncidentId().equals(closed.getIncidentId()));
            assertThat(outcomes).extracting(RecoveryOutcome::getCommandId)
                    .containsExactlyInAnyOrderElementsOf(commands.stream().map(RecoveryCommand::getCommandId).toList());
            assertThat(outcomes.stream().collect(Collectors.toMap(RecoveryOutcome::getStep, RecoveryOutcome::getStatus)))
                    .containsEntry("reopen", OutcomeStatus.FAILED)
                    .containsEntry("restore", OutcomeStatus.SUCCEEDED)
                    .containsEntry("validate", OutcomeStatus.SUCCEEDED);

            // And shard-4 was never touched, and the simulated shard-5 now serves a healthy index. Other tests
            // of this class share the broker, so only commands issued during this test count.
            assertThat(readAll(loop, loop.topics().commands(), c -> c.getTarget().endsWith("/shard-4")
                    && !c.getIssuedAt().isBefore(testStart))).isEmpty();
            assertThat(loop.runtime().cluster().shardIndex("shard-5").healthy()).isTrue();
        }
    }

    @Test
    void shouldRecoverBrokenShardFour(final KafkaBroker broker) throws Exception {
        try (LocalLoop loop = LocalLoop.start(LocalRuntime.Options.defaults()
                .withExternalBroker(broker.bootstrapServers())
                .withBrokenShards(Set.of("shard-4")))) {
            // Given shard-4 seeded broken and the sample's shard-5 symptoms renamed to shard-4; the
            // renamed lines get new event ids, because ids derive from the line's content
            final String renamed = sample().lines()
                    .filter(line -> line.contains("shard-5"))
                    .map(line -> line.replace("shard-5", "shard-4"))
                    .collect(Collectors.joining("\n"));

            // When they are produced
            play(loop, renamed);

            // Then the same ladder recovers shard-4, with no code or runbook change
            final IncidentUpdate closed = awaitClosed(loop, "rag-prod/vectorstore/shard-4");
            assertThat(closed.getState()).isEqualTo(IncidentState.RECOVERED);
            assertThat(closed.getSteps()).extracting(step -> step.getStep()).containsExactlyElementsOf(LADDER);
            assertThat(loop.runtime().cluster().shardIndex("shard-4").healthy()).isTrue();
        }
    }

    @Test
    void shouldFailValidationOfInterruptedRestore(final KafkaBroker broker) throws Exception {
        try (LocalLoop loop = LocalLoop.start(LocalRuntime.Options.defaults()
                .withExternalBroker(broker.bootstrapServers()));
             KubernetesClient kubernetes = loop.runtime().newKubernetesClient()) {
            // Given shard-4 restored, as a restore Job would do it, from the upload that stopped at 3 of 8
            // parts and has no manifest, and its workload pointed at that volume
            final String claim = "vectorstore-shard-4-index-interrupted";
            kubernetes.persistentVolumeClaims().resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName(claim).endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                    .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec()
                    .build()).create();
            kubernetes.batch().v1().jobs().resource(new JobBuilder()
                    .withNewMetadata().withName("restore-shard-4-interrupted").endMetadata()
                    .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                    .addNewContainer().withName("restore").withImage("registry.example.internal/rag/snapshot-tool:1.4")
                    .addNewEnv().withName("SNAPSHOT_URI")
                    .withValue("s3://rag-prod-vectorstore-snapshots/snapshots/shard-4/2026-11-30T01-00/").endEnv()
                    .addNewVolumeMount().withName("target").withMountPath("/data/index").endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName("target").withNewPersistentVolumeClaim().withClaimName(claim)
                    .endPersistentVolumeClaim().endVolume()
                    .endSpec().endTemplate().endSpec()
                    .build()).create();
            kubernetes.batch().v1().jobs().withName("restore-shard-4-interrupted")
                    .waitUntilCondition(job -> job.getStatus() != null && job.getStatus().getSucceeded() != null
                            && job.getStatus().getSucceeded() == 1, 30, TimeUnit.SECONDS);
            kubernetes.apps().deployments().withName("vectorstore-shard-4").edit(deployment -> {
                deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                        .filter(volume -> volume.getName().equals("index"))
                        .forEach(volume -> volume.getPersistentVolumeClaim().setClaimName(claim));
                return deployment;
            });
            final long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!loop.runtime().cluster().shardIndex("shard-4").claim().equals(Optional.of(claim))) {
                assertThat(System.nanoTime()).as("a Ready shard-4 pod on %s within 30 s", claim).isLessThan(end);
                Thread.sleep(100);
            }

            // When the actuators run the validation step for shard-4
            final Target target = Target.parse("rag-prod/vectorstore/shard-4").orElseThrow();
            final Instant now = Instant.now();
            final RecoveryCommand validate = RecoveryCommand.newBuilder()
                    .setCommandId("inc-interrupted-restore-validate-1")
                    .setIncidentId("inc-interrupted-restore")
                    .setStep("validate")
                    .setAttempt(1)
                    .setTarget(target.toString())
                    .setIssuedAt(now)
                    .setDeadline(now.plusSeconds(120))
                    .setRunbookVersion(loop.runbook().version())
                    .setCauseEventIds(List.of())
                    .setAction(new ShardDownCommands(loop.runbook()).action(ShardDownStep.VALIDATE, target))
                    .build();
            try (KafkaProducer<String, RecoveryCommand> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, loop.runtime().bootstrapServers()),
                    loop.topics().commands().keySerde().serializer(), loop.topics().commands().valueSerde().serializer())) {
                producer.send(new ProducerRecord<>(loop.topics().commands().name(), validate.getTarget(), validate)).get();
            }

            // Then the broken index fails validation
            final RecoveryOutcome outcome = awaitOutcome(loop, validate.getCommandId());
            assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.FAILED);
            assertThat(outcome.getReason()).isEqualTo("validation-failed");
            assertThat(loop.runtime().cluster().shardIndex("shard-4").healthy()).isFalse();
        }
    }

    private static RecoveryOutcome awaitOutcome(final LocalLoop loop, final String commandId) throws InterruptedException {
        final long end = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            final List<RecoveryOutcome> outcomes = readAll(loop, loop.topics().outcomes(),
                    outcome -> outcome.getCommandId().equals(commandId));
            if (!outcomes.isEmpty()) {
                assertThat(outcomes).hasSize(1);
                return outcomes.get(0);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no outcome for command " + commandId + " within " + RECOVERY_TIMEOUT);
    }

    private static String sample() throws IOException {
        try (InputStream in = ShardRecoveryIT.class.getResourceAsStream("/io/ragreactor/cli/golden-query-results.jsonl")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void play(final LocalLoop loop, final String lines) throws Exception {
        try (HealthEventPublisher publisher = HealthEventPublisher.connect(loop.runtime().bootstrapServers(),
                loop.topics())) {
            new JsonLinesIngress(new ProbeLineParser(loop.runbook()), publisher).run(
                    new BufferedReader(new StringReader(lines)), "sample", new Retimer(Instant.now(), 60),
                    new JsonLinesIngress.Listener() {
                        @Override
                        public void published(final HealthEvent event) {
                        }

                        @Override
                        public void skipped(final long lineNumber, final String why) {
                        }

                        @Override
                        public void deadLettered(final long lineNumber, final ParsedLine.Rejected rejected) {
                            throw new AssertionError("sample line " + lineNumber + " rejected: " + rejected.message());
                        }
                    });
        }
    }

    private static IncidentUpdate awaitClosed(final LocalLoop loop, final String target) throws InterruptedException {
        final long end = System.nanoTime() + RECOVERY_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            final List<IncidentUpdate> updates = readAll(loop, loop.topics().incidents(),
                    update -> update.getTarget().equals(target) && update.getState() != IncidentState.OPEN);
            if (!updates.isEmpty()) {
                return updates.get(updates.size() - 1);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("incident of " + target + " did not close within " + RECOVERY_TIMEOUT);
    }

    /** Reads a topic from the beginning to its current end, committed records only. */
    private static <V> List<V> readAll(final LocalLoop loop, final Topic<String, V> topic, final Predicate<V> filter) {
        final Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, loop.runtime().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final List<V> values = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, topic.keySerde().deserializer(),
                topic.valueSerde().deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            int emptyPolls = 0;
            while (emptyPolls < 3) {
                final var records = consumer.poll(Duration.ofMillis(300));
                if (records.isEmpty() && !consumer.assignment().isEmpty()) {
                    emptyPolls++;
                }
                for (final ConsumerRecord<String, V> record : records) {
                    if (record.value() != null && filter.test(record.value())) {
                        values.add(record.value());
                    }
                }
            }
        }
        return values;
    }
}
