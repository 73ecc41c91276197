package io.ragreactor.reactor;

import io.ragreactor.reactor.control.ControlStoreUpdater;
import io.ragreactor.reactor.control.ControlView;
import io.ragreactor.reactor.bootstrapdeadlock.BootstrapDeadlockLadder;
import io.ragreactor.reactor.budget.BlastRadiusBudget;
import io.ragreactor.reactor.incident.IncidentLadders;
import io.ragreactor.reactor.incident.LadderOutput;
import io.ragreactor.reactor.incident.ScenarioLadder;
import io.ragreactor.reactor.incident.TimerIndex;
import io.ragreactor.reactor.ingest.Ingested;
import io.ragreactor.reactor.ingest.InputValidator;
import io.ragreactor.reactor.ingest.ReactorInput;
import io.ragreactor.reactor.provideroutage.ProviderOutageLadder;
import io.ragreactor.reactor.safetynets.SafetyNetSchedule;
import io.ragreactor.reactor.sharddown.ShardDownLadder;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.budget.BudgetDecision;
import io.ragreactor.schemas.budget.BudgetMessage;
import io.ragreactor.schemas.budget.BudgetState;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.serde.AvroBinarySerde;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reactor's Kafka Streams topology. {@link #build()} lists its parts in order; each part is a small
 * method that tests can drive on its own. Every operator and store is named, so the topology can grow
 * without renaming changelog or internal topics.
 */
public final class ReactorTopology {

    private static final Logger LOG = LoggerFactory.getLogger(ReactorTopology.class);

    /** Settings of the topology that do not come from the runbook. */
    public record Settings(ReactorClock clock, Duration punctuationInterval, boolean dryRun, int maxValueBytes) {

        public static Settings defaults() {
            return new Settings(ReactorClock.WALL, Duration.ofSeconds(1), false, 1 << 20);
        }
    }

    private final Topics topics;
    private final Runbook runbook;
    private final Settings settings;

    public ReactorTopology(final Topics topics, final Runbook runbook, final Settings settings) {
        this.topics = topics;
        this.runbook = runbook;
        this.settings = settings;
    }

    public Topology build() {
        final StreamsBuilder builder = new StreamsBuilder();
        final KStream<String, ReactorInput> health = validatedHealthEvents(builder);
        final KStream<String, ReactorInput> outcomes = validatedOutcomes(builder);
        controlInstructions(builder);
        final KStream<String, BudgetMessage> budgetMessages = budgetMessages(builder);
        final KStream<String, ReactorInput> budgetDecisions = blastRadiusBudget(builder, budgetMessages);
        final KStream<String, LadderOutput> decisions = incidentLadders(builder, health, outcomes, budgetDecisions,
                List.of(shardDown(), providerOutage(), bootstrapDeadlock()));
        emitCommands(decisions);
        emitIncidentUpdates(decisions);
        emitBudgetMessages(decisions);
        return builder.build();
    }

    /** Health events that passed validation; bad records go to the dead-letter topic with their reason. */
    KStream<String, ReactorInput> validatedHealthEvents(final StreamsBuilder builder) {
        final ProcessorSupplier<byte[], byte[], String, Ingested> validator = () -> InputValidator.forHealth(
                topics.health().valueSerde().deserializer(), settings.clock(), runbook.allowedSkew(),
                settings.maxValueBytes());
        return validated(builder, topics.health().name(), "health", validator);
    }

    /** Outcomes that passed validation; bad records go to the dead-letter topic with their reason. */
    KStream<String, ReactorInput> validatedOutcomes(final StreamsBuilder builder) {
        final ProcessorSupplier<byte[], byte[], String, Ingested> validator = () -> InputValidator.forOutcomes(
                topics.outcomes().valueSerde().deserializer(), settings.clock(), settings.maxValueBytes());
        return validated(builder, topics.outcomes().name(), "outcomes", validator);
    }

    /** Mirrors the operators' silences, maintenance windows, kill switch and incident actions on every instance. */
    void controlInstructions(final StreamsBuilder builder) {
        // The control topic is the store's changelog, so the store keeps no changelog of its own.
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ControlView.STORE),
                        Serdes.String(), Serdes.ByteArray()).withLoggingDisabled(),
                topics.control().name(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("control-source"),
                ControlStoreUpdater::new);
    }

    /** Requests, releases and decisions of the blast-radius budget, read back from the reactor's budget topic. */
    KStream<String, BudgetMessage> budgetMessages(final StreamsBuilder builder) {
        final Deserializer<BudgetMessage> decoder = topics.budget().valueSerde().deserializer();
        return builder.stream(topics.budget().name(), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName("budget-source"))
                .flatMapValues((key, bytes) -> decodeBudgetMessage(decoder, key, bytes), Named.as("budget-decode"));
    }

    /**
     * The fleet-wide blast-radius budget: it decides requests and takes releases under one key, and returns
     * its decisions as inputs of the requesting targets' ladders.
     */
    KStream<String, ReactorInput> blastRadiusBudget(final StreamsBuilder builder,
                                                    final KStream<String, BudgetMessage> messages) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BlastRadiusBudget.STORE),
                Serdes.String(), new AvroBinarySerde<>(BudgetState.class)));
        messages.filter((key, message) -> !(message.getMessage() instanceof BudgetDecision), Named.as("budget-requests"))
                .process(() -> new BlastRadiusBudget(runbook), Named.as("blast-radius-budget"), BlastRadiusBudget.STORE)
                .to(topics.budget().name(), Produced.with(topics.budget().keySerde(), topics.budget().valueSerde())
                        .withName("budget-decisions-sink"));
        return messages.filter((key, message) -> message.getMessage() instanceof BudgetDecision,
                        Named.as("budget-decisions"))
                .mapValues(message -> (ReactorInput) new ReactorInput.BudgetDecided((BudgetDecision) message.getMessage()),
                        Named.as("budget-decision-inputs"));
    }

    /** Scenario A: a vectorstore shard that is down or whose index is corrupt. */
    ScenarioLadder shardDown() {
        return new ShardDownLadder(runbook);
    }

    /** Scenario B: an LLM provider outage, failover or fallback, and the ramp back. */
    ScenarioLadder providerOutage() {
        return new ProviderOutageLadder(runbook);
    }

    /** Scenario C: a bootstrap deadlock of a workload, recovered by migrations and an ordered start. */
    ScenarioLadder bootstrapDeadlock() {
        return new BootstrapDeadlockLadder(runbook);
    }

    /**
     * Every scenario's detection and ladder, with the policies they share, over one state per target. Health
     * events, outcomes and budget decisions of one target share a partition (same key, same partition
     * count), so the merged stream reaches the target's state without a repartition.
     */
    KStream<String, LadderOutput> incidentLadders(final StreamsBuilder builder,
                                                  final KStream<String, ReactorInput> health,
                                                  final KStream<String, ReactorInput> outcomes,
                                                  final KStream<String, ReactorInput> budgetDecisions,
                                                  final List<ScenarioLadder> ladders) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IncidentLadders.STORE),
                Serdes.String(), new AvroBinarySerde<>(TargetState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TimerIndex.STORE),
                Serdes.String(), Serdes.String()));
        return health.merge(outcomes, Named.as("ladder-inputs"))
                .merge(budgetDecisions, Named.as("ladder-inputs-with-budget"))
                .process(() -> new IncidentLadders(runbook, ladders, settings.clock(), settings.punctuationInterval(),
                                settings.dryRun(), topics.control().valueSerde().deserializer(), topics.control().name(),
                                new SafetyNetSchedule(runbook, settings.dryRun())),
                        Named.as("incident-ladders"), IncidentLadders.STORE, TimerIndex.STORE);
    }

    void emitCommands(final KStream<String, LadderOutput> decisions) {
        decisions.filter((target, output) -> output instanceof LadderOutput.CommandIssued, Named.as("commands-only"))
                .mapValues(output -> ((LadderOutput.CommandIssued) output).command(), Named.as("command-values"))
                .to(topics.commands().name(), Produced.<String, RecoveryCommand>with(topics.commands().keySerde(),
                        topics.commands().valueSerde()).withName("commands-sink"));
    }

    /** Incident updates, re-keyed by incident id for the compacted incidents topic. */
    void emitIncidentUpdates(final KStream<String, LadderOutput> decisions) {
        decisions.filter((target, output) -> output instanceof LadderOutput.IncidentChanged, Named.as("incidents-only"))
                .map((target, output) -> {
                    final IncidentUpdate update = ((LadderOutput.IncidentChanged) output).update();
                    return KeyValue.pair(update.getIncidentId(), update);
                }, Named.as("incident-by-id"))
                .to(topics.incidents().name(), Produced.<String, IncidentUpdate>with(topics.incidents().keySerde(),
                        topics.incidents().valueSerde()).withName("incidents-sink"));
    }

    /** Budget requests and releases of the ladders, all under the budget's one key. */
    void emitBudgetMessages(final KStream<String, LadderOutput> decisions) {
        decisions.filter((target, output) -> output instanceof LadderOutput.BudgetSent, Named.as("budget-messages-only"))
                .mapValues(output -> ((LadderOutput.BudgetSent) output).message(), Named.as("budget-message-values"))
                .to(topics.budget().name(), Produced.with(topics.budget().keySerde(), topics.budget().valueSerde())
                        .withName("budget-messages-sink"));
    }

    /** Decodes one record of the budget topic; an undecodable one is logged and dropped, never retried. */
    private static List<BudgetMessage> decodeBudgetMessage(final Deserializer<BudgetMessage> decoder, final String key,
                                                           final byte[] bytes) {
        if (bytes == null) {
            return List.of();
        }
        try {
            return List.of(decoder.deserialize(null, bytes));
        } catch (final SerializationException e) {
            LOG.error("Dropping a record of the budget topic key=[{}]: it cannot be decoded: {}", key, e.getMessage());
            return List.of();
        }
    }

    private KStream<String, ReactorInput> validated(final StreamsBuilder builder, final String topic, final String name,
                                                    final ProcessorSupplier<byte[], byte[], String, Ingested> validator) {
        final Map<String, KStream<String, Ingested>> branches = builder
                .stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
                .process(validator, Named.as("validate-" + name))
                .split(Named.as(name + "-"))
                .branch((key, ingested) -> ingested instanceof Ingested.Rejected, Branched.as("rejected"))
                .defaultBranch(Branched.as("valid"));

        branches.get(name + "-rejected")
                .map((key, ingested) -> {
                    final Ingested.Rejected rejected = (Ingested.Rejected) ingested;
                    return KeyValue.pair(rejected.rawKey(), rejected.rawValue());
                }, Named.as(name + "-dead-letter-bytes"))
                .to(topics.healthDeadLetter().name(), Produced.with(topics.healthDeadLetter().keySerde(),
                        topics.healthDeadLetter().valueSerde()).withName(name + "-dead-letter-sink"));
        return branches.get(name + "-valid")
                .mapValues(ingested -> ((Ingested.Valid) ingested).input(), Named.as(name + "-inputs"));
    }
}
