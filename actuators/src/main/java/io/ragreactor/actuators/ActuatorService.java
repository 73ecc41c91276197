package io.ragreactor.actuators;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.actuators.bootstrap.InspectBootstrapHandler;
import io.ragreactor.actuators.escalate.EscalationHandler;
import io.ragreactor.actuators.escalate.RolloutHistory;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.CommandExecutor;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.SideEffectHook;
import io.ragreactor.actuators.jobs.CreateSnapshotHandler;
import io.ragreactor.actuators.jobs.ReindexHandler;
import io.ragreactor.actuators.jobs.RunMigrationsHandler;
import io.ragreactor.actuators.provider.CredentialProbeHandler;
import io.ragreactor.actuators.provider.SwitchProviderHandler;
import io.ragreactor.actuators.registry.RouteToReplicaHandler;
import io.ragreactor.actuators.registry.ShardRegistryHandler;
import io.ragreactor.actuators.reopen.ReopenIndexHandler;
import io.ragreactor.actuators.restore.RestoreSnapshotHandler;
import io.ragreactor.actuators.restore.SnapshotSelector;
import io.ragreactor.actuators.settings.ApplySettingsHandler;
import io.ragreactor.actuators.snapshots.PruneSnapshotsHandler;
import io.ragreactor.actuators.snapshots.RestoreDrillHandler;
import io.ragreactor.actuators.start.StartInOrderHandler;
import io.ragreactor.actuators.validate.GoldenQueryHandler;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.registry.RestSchemaRegistryClient;
import io.ragreactor.schemas.serde.BadRecordException;
import io.ragreactor.schemas.topics.Topics;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An actuator instance: consumes recovery commands, executes each against Kubernetes, S3 or the retriever,
 * and publishes exactly one outcome per command id. The outcome and the consumed offset are committed in
 * one Kafka transaction; an {@link OutcomeLedger} rebuilt from the outcome topic on every partition
 * assignment skips commands whose id already has an outcome. Commands run on worker threads, at most one
 * per partition at a time, while the poll thread keeps the consumer in its group.
 */
public final class ActuatorService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ActuatorService.class);
    private static final Duration LEDGER_LOAD_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CLIENT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final ActuatorConfig config;
    private final KubernetesClient kubernetes;
    private final S3Client s3;
    private final SideEffectHook sideEffectHook;
    private final ActuatorMetrics metrics;
    private final Object lifecycle = new Object();

    private volatile boolean running;
    private boolean closed;
    /** Set when a worker died with an Error: from then on nothing is published or committed. */
    private boolean crashed;
    private Thread pollThread;

    // Owned by the poll thread once started.
    private Topics topics;
    private KafkaConsumer<String, byte[]> consumer;
    private KafkaProducer<String, RecoveryOutcome> producer;
    private OutcomeLedger ledger;
    private CommandExecutor executor;
    private ExecutorService workers;
    private final Map<TopicPartition, ArrayDeque<ConsumerRecord<String, byte[]>>> queued = new HashMap<>();
    private final Map<TopicPartition, InFlight> inFlight = new HashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> skippedOffsets = new HashMap<>();

    /** Creates an instance that uses the given clients; it does nothing until {@link #start()}. The caller closes the clients. */
    public ActuatorService(final ActuatorConfig config, final KubernetesClient kubernetes, final S3Client s3) {
        this(config, kubernetes, s3, SideEffectHook.NONE);
    }

    /** Creates an instance whose handlers call {@code sideEffectHook} after each change they make; for tests. */
    ActuatorService(final ActuatorConfig config, final KubernetesClient kubernetes, final S3Client s3,
                    final SideEffectHook sideEffectHook) {
        this.config = config;
        this.kubernetes = kubernetes;
        this.s3 = s3;
        this.sideEffectHook = sideEffectHook;
        this.metrics = new ActuatorMetrics(config.instanceId());
    }

    public String instanceId() {
        return config.instanceId();
    }

    public ActuatorMetrics metrics() {
        return metrics;
    }

    /** Returns whether the poll thread is running; false before start, after close and after a fatal error. */
    public boolean isRunning() {
        final Thread thread = pollThread;
        return thread != null && thread.isAlive();
    }

    /** Blocks until the poll thread has stopped, after {@link #close()} or a fatal error. */
    public void awaitStopped() {
        final Thread thread = pollThread;
        if (thread == null) {
            return;
        }
        try {
            thread.join();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Builds one handler per action of the command schema. Provider credentials for probes come from the
     * {@code RAG_REACTOR_CREDENTIAL_<NAME>} variables of {@code environment}.
     */
    static List<ActionHandler<?>> handlers(final ActuatorConfig config, final KubernetesClient kubernetes,
                                           final S3Client s3, final Map<String, String> environment) {
        // Neither client follows redirects: a redirect could carry a probe's token to another host.
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        return List.of(
                ShardRegistryHandler.markUnhealthy(kubernetes),
                ShardRegistryHandler.reintroduce(kubernetes),
                new RouteToReplicaHandler(kubernetes),
                new ReopenIndexHandler(kubernetes),
                new RestoreSnapshotHandler(kubernetes, new SnapshotSelector(s3)),
                new GoldenQueryHandler(http),
                new ReindexHandler(kubernetes),
                new SwitchProviderHandler(kubernetes),
                new ApplySettingsHandler(kubernetes),
                new CredentialProbeHandler(http, CredentialProbeHandler.credentialsFromEnvironment(environment)),
                new InspectBootstrapHandler(kubernetes),
                new RunMigrationsHandler(kubernetes),
                new StartInOrderHandler(kubernetes),
                new CreateSnapshotHandler(kubernetes),
                new PruneSnapshotsHandler(s3),
                new RestoreDrillHandler(kubernetes, s3, http),
                new EscalationHandler(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
                        config.escalationChannels(),
                        new RolloutHistory(kubernetes, new Guards(config.allowedNamespaces()))));
    }

    /**
     * Connects to Kafka, initialises the transactional producer and starts the poll thread.
     *
     * @throws IllegalStateException when called twice
     * @throws KafkaException when the producer's transactions cannot be initialised
     */
    public void start() {
        synchronized (lifecycle) {
            if (pollThread != null || closed) {
                throw new IllegalStateException("actuator " + instanceId() + " was already started or closed");
            }
            topics = Topics.create(config.topicNames(), new RestSchemaRegistryClient(config.schemaRegistryUrl()));
            final List<ActionHandler<?>> handlers = handlers(config, kubernetes, s3, System.getenv());
            executor = new CommandExecutor(handlers, new Guards(config.allowedNamespaces()), instanceId(),
                    Clock.systemUTC(), config.statePollInterval(), sideEffectHook);
            if (config.allowedNamespaces().isEmpty()) {
                LOG.warn("No allowed namespaces are configured, so every namespaced command will be rejected: key=[{}]",
                        ActuatorConfig.ALLOWED_NAMESPACES);
            }
            producer = new KafkaProducer<>(producerProperties(), topics.outcomes().keySerde().serializer(),
                    topics.outcomes().valueSerde().serializer());
            producer.initTransactions();
            consumer = new KafkaConsumer<>(consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer());
            ledger = new OutcomeLedger(new KafkaConsumer<>(ledgerProperties(), new StringDeserializer(),
                    new ByteArrayDeserializer()), config.outcomesTopic(), topics.outcomes().valueSerde().deserializer(),
                    LEDGER_LOAD_TIMEOUT);
            final AtomicInteger threadCount = new AtomicInteger();
            workers = Executors.newFixedThreadPool(config.workerThreads(), runnable -> {
                final Thread thread = new Thread(runnable, "actuator-" + instanceId() + "-worker-"
                        + threadCount.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            running = true;
            pollThread = new Thread(this::runLoop, "actuator-" + instanceId() + "-poll");
            pollThread.start();
            LOG.info("Actuator started: instance=[{}] group=[{}] commands=[{}] outcomes=[{}] config=[{}]", instanceId(),
                    config.groupId(), config.commandsTopic(), config.outcomesTopic(), config);
        }
    }

    /**
     * Stops taking new commands, lets the commands in flight finish or time out, publishes their outcomes and
     * closes the Kafka clients. Blocks until then; the longest wait is the longest timeout of a running command.
     */
    @Override
    public void close() {
        final Thread thread;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            running = false;
            thread = pollThread;
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("Interrupted while waiting for the actuator to stop: instance=[{}]", instanceId());
            }
        }
        metrics.close();
    }

    private Properties producerProperties() {
        final Properties props = new Properties();
        props.putAll(config.kafkaClientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "actuator-" + instanceId() + "-outcomes");
        // One transactional id per instance: a restarted instance fences its previous incarnation.
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.groupId() + "-" + instanceId());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return props;
    }

    private Properties consumerProperties() {
        final Properties props = new Properties();
        props.putAll(config.kafkaClientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "actuator-" + instanceId() + "-commands");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Topics are created by the product's topic setup with matching partition counts, never by a consumer.
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return props;
    }

    private Properties ledgerProperties() {
        final Properties props = new Properties();
        props.putAll(config.kafkaClientProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "actuator-" + instanceId() + "-ledger");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return props;
    }

    private void runLoop() {
        try {
            consumer.subscribe(List.of(config.commandsTopic()), new Rebalance());
            while (running || !inFlight.isEmpty()) {
                final ConsumerRecords<String, byte[]> records = consumer.poll(config.pollTimeout());
                for (final TopicPartition partition : records.partitions()) {
                    queued.computeIfAbsent(partition, p -> new ArrayDeque<>()).addAll(records.records(partition));
                }
                publishFinished(false);
                if (running) {
                    dispatch();
                } else {
                    // Draining after close(): nothing new starts, and queued commands stay uncommitted for the next owner.
                    queued.clear();
                }
                commitSkipped();
                updatePausedPartitions();
            }
        } catch (final InstanceCrash e) {
            crashed = true;
            LOG.error("Actuator stopped without publishing: instance=[{}] cause=[{}]", instanceId(), e.getCause().toString());
        } catch (final RuntimeException e) {
            LOG.error("Actuator stopped on a fatal error: instance=[{}]", instanceId(), e);
        } finally {
            running = false;
            closeClients();
            LOG.info("Actuator stopped: instance=[{}]", instanceId());
        }
    }

    /** Starts the next command of every partition that has none in flight, skipping duplicates and bad records. */
    private void dispatch() {
        for (final Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<String, byte[]>>> entry : queued.entrySet()) {
            final TopicPartition partition = entry.getKey();
            final ArrayDeque<ConsumerRecord<String, byte[]>> queue = entry.getValue();
            while (!inFlight.containsKey(partition) && !queue.isEmpty()) {
                final ConsumerRecord<String, byte[]> record = queue.peek();
                final RecoveryCommand command;
                try {
                    command = decode(record);
                } catch (final RuntimeException e) {
                    // The registry may be down: leave the record queued and try again on the next loop.
                    LOG.warn("Cannot decode command yet: topic=[{}] partition=[{}] offset=[{}] error=[{}]",
                            record.topic(), record.partition(), record.offset(), e.getMessage());
                    break;
                }
                queue.poll();
                if (command == null) {
                    skip(partition, record);
                } else if (ledger.contains(partition.partition(), command.getCommandId())) {
                    metrics.recordDuplicate();
                    LOG.info("Skipping command that already has an outcome: partition=[{}] offset=[{}]"
                            + " incident=[{}] command=[{}] target=[{}]", record.partition(), record.offset(),
                            command.getIncidentId(), command.getCommandId(), command.getTarget());
                    skippedOffsets.put(partition, new OffsetAndMetadata(record.offset() + 1));
                } else {
                    final CompletableFuture<RecoveryOutcome> future =
                            CompletableFuture.supplyAsync(() -> executor.execute(command), workers);
                    inFlight.put(partition, new InFlight(record, command, future));
                }
            }
        }
    }

    /** Returns the command in {@code record}, or null when the record is not a valid command. */
    private RecoveryCommand decode(final ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return null;
        }
        try {
            return topics.commands().valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (final BadRecordException e) {
            LOG.warn("Skipping record that is not a valid command: topic=[{}] partition=[{}] offset=[{}] reason=[{}]"
                    + " error=[{}]", record.topic(), record.partition(), record.offset(), e.reason(), e.getMessage());
            return null;
        }
    }

    private void skip(final TopicPartition partition, final ConsumerRecord<String, byte[]> record) {
        metrics.recordBadCommand();
        skippedOffsets.put(partition, new OffsetAndMetadata(record.offset() + 1));
    }

    /**
     * Publishes the outcomes of finished commands with their offsets in one transaction. With {@code wait},
     * waits for the commands in flight first; the rebalance listener uses that before giving partitions up.
     */
    private void publishFinished(final boolean wait) {
        final List<InFlight> finished = new ArrayList<>();
        for (final Iterator<InFlight> it = inFlight.values().iterator(); it.hasNext(); ) {
            final InFlight task = it.next();
            if (wait || task.future().isDone()) {
                finished.add(task);
            }
        }
        if (finished.isEmpty()) {
            return;
        }
        final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(skippedOffsets);
        final List<RecoveryOutcome> outcomes = new ArrayList<>();
        for (final InFlight task : finished) {
            final RecoveryOutcome outcome = await(task);
            outcomes.add(outcome);
            offsets.put(task.partition(), new OffsetAndMetadata(task.record().offset() + 1));
        }
        try {
            producer.beginTransaction();
            for (final RecoveryOutcome outcome : outcomes) {
                producer.send(new ProducerRecord<>(config.outcomesTopic(), null, outcome.getFinishedAt().toEpochMilli(),
                        outcome.getTarget(), outcome));
            }
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (final ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                       | UnsupportedVersionException e) {
            // Fatal for this producer: another instance with the same transactional id took over, or the cluster refuses.
            throw e;
        } catch (final KafkaException e) {
            abortQuietly();
            LOG.warn("Publishing outcomes failed, will retry: instance=[{}] outcomes=[{}] error=[{}]", instanceId(),
                    outcomes.size(), e.toString());
            return;
        }
        for (final InFlight task : finished) {
            inFlight.remove(task.partition());
            ledger.add(task.partition().partition(), task.command().getCommandId());
        }
        skippedOffsets.clear();
        metrics.recordPublished(outcomes.size());
    }

    /** Returns the outcome of a finished task; an Error in a worker means the instance must stop as if it crashed. */
    private static RecoveryOutcome await(final InFlight task) {
        try {
            return task.future().get();
        } catch (final ExecutionException e) {
            throw new InstanceCrash(e.getCause());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstanceCrash(e);
        }
    }

    /** Commits the offsets of skipped records when no outcome transaction carried them. */
    private void commitSkipped() {
        if (skippedOffsets.isEmpty()) {
            return;
        }
        try {
            producer.beginTransaction();
            producer.sendOffsetsToTransaction(new HashMap<>(skippedOffsets), consumer.groupMetadata());
            producer.commitTransaction();
            skippedOffsets.clear();
        } catch (final ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                       | UnsupportedVersionException e) {
            throw e;
        } catch (final KafkaException e) {
            abortQuietly();
            LOG.warn("Committing offsets of skipped commands failed, will retry: instance=[{}] error=[{}]",
                    instanceId(), e.toString());
        }
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (final KafkaException e) {
            LOG.warn("Aborting the outcome transaction failed: instance=[{}] error=[{}]", instanceId(), e.toString());
        }
    }

    /** Pauses partitions with a command in flight or queued, so polling keeps the group alive without fetching more. */
    private void updatePausedPartitions() {
        final Set<TopicPartition> busy = new HashSet<>(inFlight.keySet());
        queued.forEach((partition, queue) -> {
            if (!queue.isEmpty()) {
                busy.add(partition);
            }
        });
        final Set<TopicPartition> assigned = consumer.assignment();
        busy.retainAll(assigned);
        final Set<TopicPartition> idle = new HashSet<>(assigned);
        idle.removeAll(busy);
        if (!running) {
            consumer.pause(assigned);
            return;
        }
        consumer.pause(busy);
        consumer.resume(idle);
    }

    private void closeClients() {
        if (workers != null) {
            workers.shutdownNow();
        }
        // After a crash the consumer still leaves its group, so its partitions move without waiting for the session
        // timeout. Closing commits nothing, because offsets are committed only inside outcome transactions.
        try {
            consumer.close(CloseOptions.timeout(CLIENT_CLOSE_TIMEOUT));
        } catch (final RuntimeException e) {
            LOG.warn("Closing the command consumer failed: instance=[{}] error=[{}]", instanceId(), e.toString());
        }
        try {
            producer.close(CLIENT_CLOSE_TIMEOUT);
        } catch (final RuntimeException e) {
            LOG.warn("Closing the outcome producer failed: instance=[{}] error=[{}]", instanceId(), e.toString());
        }
        ledger.close();
    }

    /** Handles partition moves on the poll thread, inside {@code poll}. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
            if (crashed) {
                return;
            }
            // Finish and publish what runs on these partitions while this instance still owns them, so the next
            // owner's ledger finds the outcomes instead of executing the commands again.
            final Map<TopicPartition, InFlight> others = new HashMap<>(inFlight);
            others.keySet().removeAll(partitions);
            inFlight.keySet().retainAll(partitions);
            if (!inFlight.isEmpty()) {
                LOG.info("Waiting for commands in flight before giving up partitions: instance=[{}] partitions=[{}]",
                        instanceId(), inFlight.keySet());
                publishFinished(true);
            }
            commitSkipped();
            // Outcomes that could not be published stay unpublished: the next owner adopts their side effects.
            inFlight.clear();
            inFlight.putAll(others);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions) {
            // The group already gave these partitions to another member: their outcomes can no longer be committed
            // here, and the new owner adopts whatever side effects the commands left.
            LOG.warn("Partitions lost, dropping their commands in flight: instance=[{}] partitions=[{}]", instanceId(),
                    partitions);
            inFlight.keySet().removeAll(partitions);
            skippedOffsets.keySet().removeAll(partitions);
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            final int commandPartitions = consumer.partitionsFor(config.commandsTopic()).size();
            ledger.load(partitions, commandPartitions);
            LOG.info("Partitions assigned: instance=[{}] partitions=[{}]", instanceId(), partitions);
        }

        private void forget(final Collection<TopicPartition> partitions) {
            for (final TopicPartition partition : partitions) {
                queued.remove(partition);
            }
            ledger.forget(partitions);
        }
    }

    /** A command being executed, with the record it came from. */
    private record InFlight(ConsumerRecord<String, byte[]> record, RecoveryCommand command,
                            CompletableFuture<RecoveryOutcome> future) {
        TopicPartition partition() {
            return new TopicPartition(record.topic(), record.partition());
        }
    }

    /** A worker died with an Error: the instance stops at once, publishing and committing nothing more. */
    private static final class InstanceCrash extends RuntimeException {
        InstanceCrash(final Throwable cause) {
            super(cause);
        }
    }
}
