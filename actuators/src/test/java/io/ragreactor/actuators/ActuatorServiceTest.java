package io.ragreactor.actuators;

import static io.ragreactor.actuators.TestCommands.NAMESPACE;
import static io.ragreactor.actuators.TestCommands.command;
import static io.ragreactor.actuators.TestCommands.restore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.ragreactor.actuators.execution.SideEffectHook;
import io.ragreactor.actuators.restore.SnapshotFixtures;
import io.ragreactor.embedded.junit.KafkaBrokerExtension;
import io.ragreactor.embedded.kafka.KafkaBroker;
import io.ragreactor.embedded.registry.EmbeddedSchemaRegistry;
import io.ragreactor.embedded.s3.EmbeddedS3Server;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.outcome.OutcomeStatus;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.topics.TopicNames;
import io.ragreactor.schemas.topics.TopicSetup;
import io.ragreactor.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs actuator instances that share only the broker and the API server. The first dies right after creating
 * the restore Job. The second adopts that Job instead of creating another, publishes the one outcome, and
 * publishes nothing new for a re-delivered command.
 */
@ExtendWith(KafkaBrokerExtension.class)
@EnableKubernetesMockClient(crud = true, https = false)
class ActuatorServiceTest {

    private static final String BUCKET = "rag-prod-vectorstore-snapshots";

    private static String bootstrapServers;
    private static EmbeddedSchemaRegistry registry;
    private static EmbeddedS3Server s3Server;
    private static S3Client s3;
    private static Topics topics;
    private static int testNumber;

    KubernetesClient client;

    /** Topics of the running test, so a command a test leaves uncommitted never reaches the next test. */
    private TopicNames names;

    private final List<ActuatorService> services = new ArrayList<>();

    @BeforeAll
    static void startServices(final KafkaBroker broker) {
        bootstrapServers = broker.bootstrapServers();
        registry = EmbeddedSchemaRegistry.start(bootstrapServers);
        s3Server = EmbeddedS3Server.start();
        s3 = s3Server.newClient();
        SnapshotFixtures.seedShard3(s3, BUCKET);
    }

    @AfterAll
    static void stopServices() {
        s3.close();
        s3Server.close();
        registry.close();
    }

    @BeforeEach
    void createTopicsAndWorkload() {
        testNumber++;
        final String prefix = "k08-" + testNumber + ".";
        names = new TopicNames(prefix + "health", prefix + "commands", prefix + "outcomes", prefix + "incidents",
                prefix + "health.dlq", prefix + "control", prefix + "budget");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            TopicSetup.ensureTopics(admin, names, 3, (short) 1);
        }
        topics = Topics.create(names, new RestSchemaRegistryClient(registry.url()));

        client.persistentVolumeClaims().inNamespace(NAMESPACE).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("vectorstore-shard-3-index-old").withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withNewResources().addToRequests("storage", new Quantity("20Gi")).endResources().endSpec()
                .build()).create();
        client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
                .withNewMetadata().withName("vectorstore-shard-3").withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withNewTemplate()
                .withNewMetadata().addToLabels("app", "vectorstore").addToLabels("shard", "shard-3").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("vectorstore").withImage("vectorstore:3").endContainer()
                .addNewVolume().withName("index").withNewPersistentVolumeClaim()
                .withClaimName("vectorstore-shard-3-index-old").endPersistentVolumeClaim().endVolume()
                .endSpec().endTemplate().endSpec()
                .build()).create();
    }

    @AfterEach
    void closeInstances() {
        services.forEach(ActuatorService::close);
    }

    @Test
    void shouldExecuteCommandOnceWhenDeliveredAgain() {
        // Given instance A, which dies right after it created the restore Job
        final String commandId = "c-k08-restore";
        final RecoveryCommand restoreCommand = command(commandId, "restore", restore(BUCKET, 60_000));
        final ActuatorService instanceA = start("actuator-a", (cmd, call) -> {
            if (call.startsWith("POST jobs/")) {
                throw new SimulatedCrash(call);
            }
        });
        produce(restoreCommand);
        await().atMost(Duration.ofSeconds(30)).until(() -> !instanceA.isRunning());
        assertThat(jobsOf(commandId)).hasSize(1);
        assertThat(readOutcomes()).isEmpty();

        // When instance B receives the same command and the test plays the Job and Deployment controllers
        final ActuatorService instanceB = start("actuator-b", (cmd, call) -> { });
        final String suffix = jobsOf(commandId).get(0).getMetadata().getName().substring("restore-shard-3-".length());
        completeJob(jobsOf(commandId).get(0).getMetadata().getName());
        await().atMost(Duration.ofSeconds(30)).until(() -> claimOfDeployment().endsWith(suffix));
        startReadyPod("vectorstore-shard-3-index-" + suffix);

        // Then B publishes the one outcome, and there is still exactly one Job and one new PVC
        await().atMost(Duration.ofSeconds(30)).until(() -> !readOutcomes().isEmpty());
        final List<RecoveryOutcome> outcomes = readOutcomes();
        assertThat(outcomes).hasSize(1);
        assertThat(outcomes.get(0).getCommandId()).isEqualTo(commandId);
        assertThat(outcomes.get(0).getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        assertThat(outcomes.get(0).getActuator()).isEqualTo("actuator-b");
        assertThat(outcomes.get(0).getCalls()).noneMatch(call -> call.startsWith("POST"));
        assertThat(jobsOf(commandId)).hasSize(1);
        assertThat(client.persistentVolumeClaims().inNamespace(NAMESPACE)
                .withLabel("ragreactor.io/command-id", commandId).list().getItems()).hasSize(1);

        // When the command is delivered once more
        produce(restoreCommand);

        // Then B counts it as a duplicate and publishes nothing new
        await().atMost(Duration.ofSeconds(30)).until(() -> instanceB.metrics().duplicateCommands() == 1);
        assertThat(readOutcomes()).hasSize(1);
        assertThat(instanceB.metrics().outcomesPublished()).isEqualTo(1);
    }

    @Test
    void shouldSkipCommandWithOutcomeAfterRestart() {
        // Given an outcome published by an instance that then stopped
        final RecoveryCommand escalation = command("c-k08-escalate", "escalate", TestCommands.escalate());
        final ActuatorService first = start("actuator-c", (cmd, call) -> { });
        produce(escalation);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.metrics().outcomesPublished() == 1);
        first.close();

        // When a new instance starts and the command is delivered again
        final ActuatorService second = start("actuator-d", (cmd, call) -> { });
        produce(escalation);

        // Then the new instance finds the outcome on the outcome topic and skips the command
        await().atMost(Duration.ofSeconds(30)).until(() -> second.metrics().duplicateCommands() == 1);
        assertThat(second.metrics().outcomesPublished()).isZero();
        assertThat(readOutcomes()).filteredOn(o -> o.getCommandId().equals("c-k08-escalate")).hasSize(1);
    }

    @Test
    void shouldPublishInFlightOutcomeOnClose() {
        // Given a restore whose Job never completes, in flight when the instance is asked to stop
        final String commandId = "c-k08-shutdown";
        final ActuatorService instance = start("actuator-e", (cmd, call) -> { });
        produce(command(commandId, "restore", restore(BUCKET, 3_000)));
        await().atMost(Duration.ofSeconds(30)).until(() -> jobsOf(commandId).size() == 1);

        // When
        instance.close();

        // Then close() returned only after the command timed out and its outcome was committed
        assertThat(instance.isRunning()).isFalse();
        final List<RecoveryOutcome> outcomes = readOutcomes();
        assertThat(outcomes).extracting(RecoveryOutcome::getCommandId).containsExactly(commandId);
        assertThat(outcomes.get(0).getStatus()).isEqualTo(OutcomeStatus.TIMED_OUT);
        assertThat(outcomes.get(0).getReason()).isEqualTo("deadline-passed");
    }

    @Test
    void shouldFinishInFlightCommandOnClose() {
        // Given a restore in flight and an escalation queued behind it on the same target, so the same partition
        final String restoreId = "c-k08-finish";
        final String queuedId = "c-k08-queued";
        final ActuatorService closing = start("actuator-f", (cmd, call) -> { });
        produce(command(restoreId, "restore", restore(BUCKET, 60_000)));
        produce(command(queuedId, "escalate", TestCommands.escalate()));
        await().atMost(Duration.ofSeconds(30)).until(() -> jobsOf(restoreId).size() == 1);

        // When the instance is asked to stop, and the restore's Job and pod finish while close() waits
        final CompletableFuture<Void> close = CompletableFuture.runAsync(closing::close);
        final String jobName = jobsOf(restoreId).get(0).getMetadata().getName();
        final String suffix = jobName.substring("restore-shard-3-".length());
        completeJob(jobName);
        await().atMost(Duration.ofSeconds(30)).until(() -> claimOfDeployment().endsWith(suffix));
        startReadyPod("vectorstore-shard-3-index-" + suffix);
        close.orTimeout(60, TimeUnit.SECONDS).join();

        // Then the restore finished with its outcome, and the queued escalation was neither run nor committed
        assertThat(closing.isRunning()).isFalse();
        assertThat(readOutcomes()).singleElement().satisfies(outcome -> {
            assertThat(outcome.getCommandId()).isEqualTo(restoreId);
            assertThat(outcome.getStatus()).isEqualTo(OutcomeStatus.SUCCEEDED);
        });

        // When the next instance takes over the partition
        final ActuatorService next = start("actuator-g", (cmd, call) -> { });

        // Then it runs only the queued escalation, so every command has exactly one outcome
        await().atMost(Duration.ofSeconds(30)).until(() -> next.metrics().outcomesPublished() == 1);
        assertThat(readOutcomes()).extracting(RecoveryOutcome::getCommandId).containsExactly(restoreId, queuedId);
        assertThat(jobsOf(restoreId)).hasSize(1);
    }

    private ActuatorService start(final String instanceId, final SideEffectHook hook) {
        final Map<String, Object> values = new HashMap<>();
        values.put(ActuatorConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(ActuatorConfig.SCHEMA_REGISTRY_URL, registry.url());
        values.put(ActuatorConfig.GROUP_ID, "k08-actuators");
        values.put(ActuatorConfig.INSTANCE_ID, instanceId);
        values.put(ActuatorConfig.ALLOWED_NAMESPACES, NAMESPACE);
        values.put(ActuatorConfig.COMMANDS_TOPIC, names.commands());
        values.put(ActuatorConfig.OUTCOMES_TOPIC, names.outcomes());
        values.put(ActuatorConfig.POLL_TIMEOUT_MS, "50");
        values.put(ActuatorConfig.STATE_POLL_INTERVAL_MS, "100");
        final ActuatorService service = new ActuatorService(ActuatorConfig.of(values), client, s3, hook);
        services.add(service);
        service.start();
        return service;
    }

    private void produce(final RecoveryCommand command) {
        final Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (KafkaProducer<String, RecoveryCommand> producer = new KafkaProducer<>(props,
                topics.commands().keySerde().serializer(), topics.commands().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(names.commands(), command.getTarget(), command));
        }
    }

    /** Reads every committed outcome on the outcome topic. */
    private List<RecoveryOutcome> readOutcomes() {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        final List<RecoveryOutcome> outcomes = new ArrayList<>();
        try (KafkaConsumer<String, RecoveryOutcome> consumer = new KafkaConsumer<>(props,
                topics.outcomes().keySerde().deserializer(), topics.outcomes().valueSerde().deserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(names.outcomes()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (final ConsumerRecord<String, RecoveryOutcome> record : consumer.poll(Duration.ofMillis(100))) {
                    assertThat(record.key()).isEqualTo(record.value().getTarget());
                    outcomes.add(record.value());
                }
            }
        }
        return outcomes;
    }

    private List<Job> jobsOf(final String commandId) {
        return client.batch().v1().jobs().inNamespace(NAMESPACE).withLabel("ragreactor.io/command-id", commandId).list()
                .getItems();
    }

    private void completeJob(final String name) {
        client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).editStatus(job -> new JobBuilder(job)
                .withNewStatus().addNewCondition().withType("Complete").withStatus("True").endCondition().endStatus()
                .build());
    }

    private String claimOfDeployment() {
        return client.apps().deployments().inNamespace(NAMESPACE).withName("vectorstore-shard-3").get()
                .getSpec().getTemplate().getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName();
    }

    private void startReadyPod(final String claim) {
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName("vectorstore-shard-3-restored").withNamespace(NAMESPACE)
                .addToLabels("app", "vectorstore").addToLabels("shard", "shard-3").endMetadata()
                .withNewSpec()
                .addNewContainer().withName("vectorstore").withImage("vectorstore:3").endContainer()
                .addNewVolume().withName("index").withNewPersistentVolumeClaim().withClaimName(claim)
                .endPersistentVolumeClaim().endVolume()
                .endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
                .build()).create();
    }

    /** Stops a worker the way a killed process stops: no outcome, no offset commit. */
    private static final class SimulatedCrash extends Error {
        SimulatedCrash(final String call) {
            super("simulated crash after " + call);
        }
    }
}
