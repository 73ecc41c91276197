package io.ragreactor.reactor.budget;

import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.budget.BudgetDecision;
import io.ragreactor.schemas.budget.BudgetGrant;
import io.ragreactor.schemas.budget.BudgetMessage;
import io.ragreactor.schemas.budget.BudgetRelease;
import io.ragreactor.schemas.budget.BudgetRequest;
import io.ragreactor.schemas.budget.BudgetState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet-wide blast-radius budget. Every request and release carries the one key {@link #KEY}, so one
 * task keeps the whole budget and decides requests in the order they reach its partition. A request is
 * granted while fewer incidents than the cap have a share. A request of an incident that marks its shard
 * unhealthy also needs fewer marked shards than their cap, and a replica group that keeps its minimum of
 * healthy members. A granted shard also gets a healthy replica to take its queries, when its
 * group has one. Decisions go back keyed by the requesting target and carry the request's time.
 */
public final class BlastRadiusBudget implements Processor<String, BudgetMessage, String, BudgetMessage> {

    /** Key of every request and release: the single partition that holds the budget. */
    public static final String KEY = "blast-radius-budget";

    /** The state store of the budget, one {@link BudgetState} under {@link #KEY}. */
    public static final String STORE = "blast-radius-budget";

    private static final Logger LOG = LoggerFactory.getLogger(BlastRadiusBudget.class);

    private final Runbook.Budget budget;
    private final int minHealthy;
    private final String shardComponentPrefix;
    private ProcessorContext<String, BudgetMessage> context;
    private KeyValueStore<String, BudgetState> store;

    public BlastRadiusBudget(final Runbook runbook) {
        this.budget = runbook.policies().budget();
        this.minHealthy = runbook.shardDown().replicas().minHealthy();
        this.shardComponentPrefix = runbook.namespace() + "/" + runbook.shardDown().component() + "/";
    }

    @Override
    public void init(final ProcessorContext<String, BudgetMessage> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(final Record<String, BudgetMessage> record) {
        final BudgetState state = Optional.ofNullable(store.get(KEY)).orElseGet(() -> new BudgetState(new ArrayList<>()));
        final List<BudgetGrant> grants = new ArrayList<>(state.getGrants());
        if (record.value().getMessage() instanceof BudgetRequest request) {
            decide(request, grants);
        } else if (record.value().getMessage() instanceof BudgetRelease release) {
            if (grants.removeIf(grant -> grant.getIncidentId().equals(release.getIncidentId()))) {
                LOG.info("Budget released by incident=[{}] target=[{}]; {} incident(s) hold a share",
                        release.getIncidentId(), release.getTarget(), grants.size());
            }
        }
        store.put(KEY, new BudgetState(grants));
    }

    private void decide(final BudgetRequest request, final List<BudgetGrant> grants) {
        final Optional<BudgetGrant> existing = grants.stream()
                .filter(grant -> grant.getIncidentId().equals(request.getIncidentId())).findFirst();
        final Set<String> marked = new HashSet<>();
        grants.stream().filter(BudgetGrant::getMarksShard).forEach(grant -> marked.add(grant.getTarget()));
        final String rejection = existing.isPresent() ? null : rejection(request, grants.size(), marked);
        if (rejection != null) {
            LOG.warn("Budget rejects incident=[{}] target=[{}]: {}", request.getIncidentId(), request.getTarget(),
                    rejection);
            send(request, false, rejection, null);
            return;
        }
        if (existing.isEmpty()) {
            grants.add(new BudgetGrant(request.getIncidentId(), request.getTarget(), request.getMarksShard()));
        }
        // The first member of the group that is not marked takes the queries; the file's order decides ties.
        final String replica = !request.getMarksShard() ? null : request.getReplicaGroup().stream()
                .filter(member -> !marked.contains(shardComponentPrefix + member)).findFirst().orElse(null);
        LOG.info("Budget grants incident=[{}] target=[{}]; {} incident(s) hold a share", request.getIncidentId(),
                request.getTarget(), grants.size());
        send(request, true, "ok", replica);
    }

    /** Returns why the request is rejected, or null when it fits the budget. */
    private String rejection(final BudgetRequest request, final int active, final Set<String> marked) {
        if (active >= budget.maxConcurrentIncidents()) {
            return active + " incidents are active, the cap is " + budget.maxConcurrentIncidents()
                    + "; a wider failure needs a human";
        }
        if (!request.getMarksShard()) {
            return null;
        }
        if (marked.size() >= budget.maxUnhealthyShards()) {
            return marked.size() + " shards are marked unhealthy, the cap is " + budget.maxUnhealthyShards()
                    + "; a wider failure needs a human";
        }
        final List<String> group = request.getReplicaGroup();
        if (!group.isEmpty()) {
            final long healthyAfter = group.stream().filter(member -> !marked.contains(shardComponentPrefix + member))
                    .count();
            if (healthyAfter < minHealthy) {
                return "marking it would leave " + healthyAfter + " healthy member(s) in its replica group "
                        + group + ", fewer than the minimum of " + minHealthy;
            }
        }
        return null;
    }

    private void send(final BudgetRequest request, final boolean granted, final String reason, final String replica) {
        final BudgetDecision decision = new BudgetDecision(request.getIncidentId(), request.getTarget(), granted, reason,
                replica, request.getAt());
        context.forward(new Record<>(request.getTarget(), new BudgetMessage(decision), request.getAt().toEpochMilli()));
    }
}
