package io.ragreactor.actuators.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.MarkShardUnhealthy;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.command.ReintroduceShard;
import io.ragreactor.schemas.common.Evidence;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets one shard's key in the shard registry ConfigMap to {@code healthy} or {@code unhealthy} with a JSON
 * merge patch that names only that key and the {@value #LAST_COMMAND_ANNOTATION} annotation, so the other
 * shards' keys and {@code replicas.<shard>} entries are never rewritten.
 */
public final class ShardRegistryHandler<A> implements ActionHandler<A> {

    /** Annotation on the registry ConfigMap naming the command that last changed it. */
    public static final String LAST_COMMAND_ANNOTATION = "ragreactor.io/last-command-id";
    public static final String HEALTHY = "healthy";
    public static final String UNHEALTHY = "unhealthy";

    private static final Logger LOG = LoggerFactory.getLogger(ShardRegistryHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final Class<A> actionType;
    private final Function<A, RegistryKey> keyOf;
    private final String desiredValue;

    private ShardRegistryHandler(final KubernetesClient client, final Class<A> actionType,
                                 final Function<A, RegistryKey> keyOf, final String desiredValue) {
        this.client = client;
        this.actionType = actionType;
        this.keyOf = keyOf;
        this.desiredValue = desiredValue;
    }

    /** Returns the handler of {@link MarkShardUnhealthy}. */
    public static ShardRegistryHandler<MarkShardUnhealthy> markUnhealthy(final KubernetesClient client) {
        return new ShardRegistryHandler<>(client, MarkShardUnhealthy.class,
                a -> new RegistryKey(a.getNamespace(), a.getConfigMap(), a.getShard()), UNHEALTHY);
    }

    /** Returns the handler of {@link ReintroduceShard}. */
    public static ShardRegistryHandler<ReintroduceShard> reintroduce(final KubernetesClient client) {
        return new ShardRegistryHandler<>(client, ReintroduceShard.class,
                a -> new RegistryKey(a.getNamespace(), a.getConfigMap(), a.getShard()), HEALTHY);
    }

    @Override
    public Class<A> actionType() {
        return actionType;
    }

    @Override
    public void checkGuards(final A action, final RecoveryCommand command, final Guards guards) throws GuardRejection {
        final RegistryKey key = keyOf.apply(action);
        guards.namespace("namespace", key.namespace());
        guards.dnsSubdomain("configMap", key.configMap());
        guards.dnsLabel("shard", key.shard());
    }

    @Override
    public StepResult execute(final A action, final ExecutionContext context) {
        final RegistryKey key = keyOf.apply(action);
        final String resource = "configmaps/" + key.namespace() + "/" + key.configMap();

        // Check state first: a re-delivered command finds its change already made.
        final ConfigMap registry = client.configMaps().inNamespace(key.namespace()).withName(key.configMap()).get();
        context.recordCall("GET " + resource);
        if (registry == null) {
            return StepResult.of(OutcomeReason.NOT_FOUND, "shard registry " + resource + " does not exist");
        }
        final Map<String, String> data = registry.getData() == null ? Map.of() : registry.getData();
        final String current = data.get(key.shard());
        if (current == null) {
            // Adding a key for a shard the registry does not list would hide a wrong shard name.
            return StepResult.of(OutcomeReason.NOT_FOUND, "shard registry " + resource + " has no key "
                    + key.shard());
        }
        final List<Evidence> evidence = List.of(Evidences.of("registry-change",
                resource + "#" + key.shard(), key.shard() + ": " + current + " -> " + desiredValue));
        if (desiredValue.equals(current)) {
            return StepResult.of(OutcomeReason.OK, "shard " + key.shard() + " is already " + desiredValue + " in "
                    + resource + "; nothing changed", evidence);
        }

        final String call = "PATCH " + resource;
        if (context.dryRun()) {
            context.recordCall(call);
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would set " + key.shard() + " to " + desiredValue
                    + " in " + resource, evidence);
        }
        client.configMaps().inNamespace(key.namespace()).withName(key.configMap())
                .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch(key.shard(), context.commandId()));
        context.recordSideEffect(call);
        LOG.info("Shard registry changed: configMap=[{}] shard=[{}] from=[{}] to=[{}] {}", resource, key.shard(),
                current, desiredValue, context);
        return StepResult.of(OutcomeReason.OK, "set " + key.shard() + " to " + desiredValue + " in " + resource,
                evidence);
    }

    private String mergePatch(final String shard, final String commandId) {
        final ObjectNode patch = JSON.createObjectNode();
        patch.putObject("data").put(shard, desiredValue);
        patch.putObject("metadata").putObject("annotations").put(LAST_COMMAND_ANNOTATION, commandId);
        return patch.toString();
    }

    /** The registry entry an action names. */
    private record RegistryKey(String namespace, String configMap, String shard) {
    }
}
