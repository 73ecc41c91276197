package io.ragreactor.reactor;

import io.ragreactor.reactor.incident.LadderOutput;
import io.ragreactor.reactor.ingest.Ingested;
import io.ragreactor.reactor.ingest.InputValidator;
import io.ragreactor.reactor.ingest.ReactorInput;
import io.ragreactor.reactor.sharddown.ShardDownLadder;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.serde.AvroBinarySerde;
import io.ragreactor.schemas.state.TargetState;
import io.ragreactor.schemas.topics.Topics;
import java.time.Duration;
import java.util.Map;
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

/**
 * The reactor's Kafka Streams topology. {@link #build()} lists its parts in order; each part is a small
 * method that tests can drive on its own. Every operator and store is named, so the topology can grow
 * without renaming changelog or internal topics.
 */
public final class ReactorTopology {

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
        final KStream<String, LadderOutput> shardDown = shardDownLadder(builder, health, outcomes);
        // TODO(#3): the provider-outage and bootstrap-deadlock ladders join here, each from its own method.
        emitCommands(shardDown);
        emitIncidentUpdates(shardDown);
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

    /** Scenario A: detection of a shard that is down or corrupt, and its recovery ladder. */
    KStream<String, LadderOutput> shardDownLadder(final StreamsBuilder builder,
                                                  final KStream<String, ReactorInput> health,
                                                  final KStream<String, ReactorInput> outcomes) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ShardDownLadder.STORE),
                Serdes.String(), new AvroBinarySerde<>(TargetState.class)));
        // Health events and outcomes of one target share a partition (same key, same partition count),
        // so the merged stream reaches the ladder's state for that target without a repartition.
        return health.merge(outcomes, Named.as("shard-down-inputs"))
                .process(() -> new ShardDownLadder(runbook, settings.clock(), settings.punctuationInterval(),
                        settings.dryRun()), Named.as("shard-down-ladder"), ShardDownLadder.STORE);
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
