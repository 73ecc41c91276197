package io.ragreactor.actuators.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.RouteToReplica;
import io.ragreactor.schemas.common.Evidence;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a shard's queries to one of its replicas by setting {@code route.<shard>} in the shard registry
 * ConfigMap. The replica must be listed in {@code replicas.<shard>} and marked {@code healthy} under its own key.
 * The JSON merge patch names only the route key and the {@value ShardRegistryHandler#LAST_COMMAND_ANNOTATION}
 * annotation, and carries the resourceVersion that was checked, so a concurrent change makes the patch fail
 * instead of routing to a replica that has just been marked unhealthy.
 */
public final class RouteToReplicaHandler implements ActionHandler<RouteToReplica> {

    /** Prefix of the registry key that names the replica a shard's queries go to. */
    public static final String ROUTE_PREFIX = "route.";
    /** Prefix of the registry key that lists a shard's replicas, comma-separated. */
    public static final String REPLICAS_PREFIX = "replicas.";

    private static final Logger LOG = LoggerFactory.getLogger(RouteToReplicaHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HTTP_CONFLICT = 409;
    /** Maximum read-check-patch rounds when another writer changes the registry between the read and the patch. */
    private static final int MAX_ATTEMPTS = 3;

    private final KubernetesClient client;

    public RouteToReplicaHandler(final KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Class<RouteToReplica> actionType() {
        return RouteToReplica.class;
    }

    @Override
    public void checkGuards(final RouteToReplica action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.namespace("namespace", action.getNamespace());
        guards.dnsSubdomain("configMap", action.getConfigMap());
        guards.dnsLabel("shard", action.getShard());
        guards.dnsLabel("replica", action.getReplica());
        guards.parameter(!action.getShard().equals(action.getReplica()), "replica", action.getReplica(),
                "must differ from the shard whose traffic moves");
    }

    @Override
    public StepResult execute(final RouteToReplica action, final ExecutionContext context) {
        final String resource = "configmaps/" + action.getNamespace() + "/" + action.getConfigMap();
        int attempt = 1;
        while (true) {
            try {
                return routeOnce(action, context, resource);
            } catch (final KubernetesClientException e) {
                if (e.getCode() != HTTP_CONFLICT || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                // Another writer changed the registry after it was read, so check the replica again.
                LOG.info("Shard registry changed while routing, reading it again: configMap=[{}] attempt=[{}] {}",
                        resource, attempt, context);
                attempt++;
            }
        }
    }

    private StepResult routeOnce(final RouteToReplica action, final ExecutionContext context, final String resource) {
        final String shard = action.getShard();
        final String replica = action.getReplica();

        // Check state first: a re-delivered command finds its route already set.
        final ConfigMap registry = client.configMaps().inNamespace(action.getNamespace())
                .withName(action.getConfigMap()).get();
        context.recordCall("GET " + resource);
        if (registry == null) {
            return StepResult.of(OutcomeReason.NOT_FOUND, "shard registry " + resource + " does not exist");
        }
        final Map<String, String> data = registry.getData() == null ? Map.of() : registry.getData();
        final String replicasKey = REPLICAS_PREFIX + shard;
        final List<String> listed = replicasOf(data.get(replicasKey));
        if (!listed.contains(replica)) {
            return StepResult.of(OutcomeReason.NOT_FOUND, "replica " + replica + " is not listed in " + replicasKey
                    + " of " + resource, List.of(Evidences.of("registry-replicas", resource + "#" + replicasKey,
                    replicasKey + ": " + (listed.isEmpty() ? "no replicas listed" : String.join(",", listed)))));
        }
        final String replicaState = data.get(replica);
        if (!ShardRegistryHandler.HEALTHY.equals(replicaState)) {
            return StepResult.of(OutcomeReason.REPLICA_NOT_HEALTHY, "replica " + replica + " is "
                    + (replicaState == null ? "missing from" : replicaState + " in") + " " + resource
                    + ", so queries of " + shard + " were not routed to it",
                    List.of(Evidences.of("registry-replica-state", resource + "#" + replica,
                            replica + ": " + (replicaState == null ? "no key" : replicaState))));
        }

        final String routeKey = ROUTE_PREFIX + shard;
        final String current = data.get(routeKey);
        final List<Evidence> evidence = List.of(Evidences.of("registry-change", resource + "#" + routeKey,
                routeKey + ": " + (current == null ? "unset" : current) + " -> " + replica));
        if (replica.equals(current)) {
            return StepResult.of(OutcomeReason.OK, "queries of " + shard + " already go to " + replica + " in "
                    + resource + "; nothing changed", evidence);
        }

        final String call = "PATCH " + resource;
        if (context.dryRun()) {
            context.recordCall(call);
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would set " + routeKey + " to " + replica + " in "
                    + resource, evidence);
        }
        client.configMaps().inNamespace(action.getNamespace()).withName(action.getConfigMap())
                .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch(routeKey, replica,
                        registry.getMetadata().getResourceVersion(), context.commandId()));
        context.recordSideEffect(call);
        LOG.info("Shard routed to replica: configMap=[{}] shard=[{}] from=[{}] to=[{}] {}", resource, shard, current,
                replica, context);
        return StepResult.of(OutcomeReason.OK, "set " + routeKey + " to " + replica + " in " + resource, evidence);
    }

    /** Splits a {@code replicas.<shard>} value into its names, ignoring blanks around the commas. */
    static List<String> replicasOf(final String value) {
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
    }

    private static String mergePatch(final String routeKey, final String replica, final String resourceVersion,
                                     final String commandId) {
        final ObjectNode patch = JSON.createObjectNode();
        patch.putObject("data").put(routeKey, replica);
        final ObjectNode metadata = patch.putObject("metadata");
        if (resourceVersion != null) {
            // The API server rejects the patch with 409 Conflict when the registry changed since this version.
            metadata.put("resourceVersion", resourceVersion);
        }
        metadata.putObject("annotations").put(ShardRegistryHandler.LAST_COMMAND_ANNOTATION, commandId);
        return patch.toString();
    }
}
