package io.ragreactor.schemas.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the product's topics when they are missing and checks that {@code rag.health},
 * {@code rag.recovery.outcomes} and the reactor's budget topic have the same partition count, because
 * the reactor meets health events, outcomes and budget decisions of one target on one partition.
 */
public final class TopicSetup {

    private static final Duration DESCRIBE_RETRY = Duration.ofSeconds(10);

    private TopicSetup() {
    }

    /**
     * Creates missing topics with {@code partitions} partitions and checks the co-partitioning rule; a
     * replication factor of -1 takes the broker's default.
     */
    public static void ensureTopics(final Admin admin, final TopicNames names, final int partitions,
                                    final short replicationFactor) {
        final Optional<Short> replicas = replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor);
        final Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        final List<NewTopic> wanted = new ArrayList<>();
        wanted.add(new NewTopic(names.health(), Optional.of(partitions), replicas));
        wanted.add(new NewTopic(names.commands(), Optional.of(partitions), replicas));
        wanted.add(new NewTopic(names.outcomes(), Optional.of(partitions), replicas));
        wanted.add(new NewTopic(names.healthDeadLetter(), Optional.of(partitions), replicas));
        wanted.add(new NewTopic(names.incidents(), Optional.of(partitions), replicas).configs(compacted));
        wanted.add(new NewTopic(names.control(), Optional.of(1), replicas).configs(compacted));
        wanted.add(new NewTopic(names.budget(), Optional.of(partitions), replicas));
        try {
            final Set<String> existing = admin.listTopics().names().get();
            final List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get();
                } catch (final ExecutionException e) {
                    // Another instance may have created them between the list and the create.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            final Map<String, TopicDescription> described = describeCreated(admin,
                    List.of(names.health(), names.outcomes(), names.budget()));
            final int healthPartitions = described.get(names.health()).partitions().size();
            for (final String other : List.of(names.outcomes(), names.budget())) {
                final int otherPartitions = described.get(other).partitions().size();
                if (otherPartitions != healthPartitions) {
                    throw new IllegalStateException("topics " + names.health() + " (" + healthPartitions
                            + " partitions) and " + other + " (" + otherPartitions + " partitions) must have the same"
                            + " partition count, because the reactor meets their records per target; add partitions"
                            + " to the smaller one");
                }
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (final ExecutionException e) {
            throw new IllegalStateException("cannot create or describe topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Describes topics that may have just been created. The broker may reply before its metadata contains a
     * new topic, so an unknown topic is asked for again for up to {@link #DESCRIBE_RETRY} in total.
     */
    private static Map<String, TopicDescription> describeCreated(final Admin admin, final List<String> topics)
            throws ExecutionException, InterruptedException {
        final long deadline = System.nanoTime() + DESCRIBE_RETRY.toNanos();
        while (true) {
            try {
                return admin.describeTopics(topics).allTopicNames().get();
            } catch (final ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }
}
