package io.ragreactor.actuators.settings;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.ragreactor.actuators.execution.Deadline;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepFailure;
import io.ragreactor.actuators.kubernetes.PodReadiness;
import io.ragreactor.schemas.common.Evidence;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets environment variables on a Deployment's containers with one JSON patch, then follows the rollout that
 * the change starts. The same patch annotates the pod template with the command id and the time of the change.
 * Before patching it compares the current values: when they already match, it patches nothing and only waits
 * for the rollout. So a re-delivered command never rolls the pods a second time.
 */
public final class DeploymentEnvUpdate {

    /** Annotation on the pod template naming the command that last changed its environment. */
    public static final String COMMAND_ID_ANNOTATION = "ragreactor.io/command-id";
    /** Annotation on the pod template with the time of that change, the origin of a re-delivery's deadline. */
    public static final String APPLIED_AT_ANNOTATION = "ragreactor.io/applied-at";

    private static final Logger LOG = LoggerFactory.getLogger(DeploymentEnvUpdate.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final DeploymentRollout rollout;

    public DeploymentEnvUpdate(final KubernetesClient client) {
        this.client = client;
        this.rollout = new DeploymentRollout(client);
    }

    /** Computes the deadline of the rollout wait from the time the change was applied. */
    @FunctionalInterface
    public interface DeadlineRule {
        Deadline from(Instant appliedAt);
    }

    /** The variables to set on a Deployment; {@code container} null means every container. */
    public record EnvRequest(String namespace, String deployment, String container, Map<String, String> values) {

        public EnvRequest {
            values = Map.copyOf(values);
        }

        String resource() {
            return "deployments/" + namespace + "/" + deployment;
        }
    }

    /** The way {@link #apply} handled the change. */
    public enum Kind {
        /** This execution patched the Deployment. */
        APPLIED,
        /** An earlier delivery of the same command patched it; this one only waited for the rollout. */
        ADOPTED,
        /** The values were already set by another command or by hand; nothing was patched. */
        ALREADY_SET,
        /** A dry run: the calls were recorded and nothing was patched. */
        DRY_RUN
    }

    /** The result of {@link #apply}: the kind, one line per variable (old value to new value), and the rollout state. */
    public record Result(Kind kind, String changes, String rolloutState) {
    }

    /**
     * Sets the request's variables unless they already have those values, then waits for the rollout until the
     * deadline that {@code rule} computes. Failures end the step through {@link StepFailure}, with
     * {@code evidence} attached; on success {@code evidence} contains the changes and the rollout state.
     */
    public Result apply(final EnvRequest request, final DeadlineRule rule, final ExecutionContext context,
                        final List<Evidence> evidence) {
        final String resource = request.resource();

        // Check state first: the values may already be set, by an earlier delivery of this command or otherwise.
        final Deployment deployment = client.apps().deployments().inNamespace(request.namespace())
                .withName(request.deployment()).get();
        context.recordCall("GET " + resource);
        if (deployment == null) {
            throw new StepFailure(OutcomeReason.NOT_FOUND, resource + " does not exist", evidence);
        }
        final Plan plan = plan(deployment, request, context.commandId(), context.clock().instant());
        evidence.add(Evidences.of("env-change", resource, plan.changes()));
        final Map<String, String> annotations = templateAnnotations(deployment);
        final boolean ownChange = context.commandId().equals(annotations.get(COMMAND_ID_ANNOTATION));

        // Decide whether to patch; a change needed after the deadline is not made at all.
        final Kind kind;
        final Instant appliedAt;
        if (!plan.needed()) {
            kind = ownChange ? Kind.ADOPTED : Kind.ALREADY_SET;
            appliedAt = ownChange ? appliedAtOf(annotations, context.startedAt()) : context.startedAt();
            LOG.info("Environment already set, waiting for the rollout only: deployment=[{}] kind=[{}] {}", resource,
                    kind, context);
        } else {
            appliedAt = context.clock().instant();
            if (rule.from(appliedAt).passed()) {
                throw new StepFailure(OutcomeReason.DEADLINE_PASSED, "the deadline passed before " + resource
                        + " was changed, so it was left as it is", evidence);
            }
            kind = context.dryRun() ? Kind.DRY_RUN : Kind.APPLIED;
            if (!context.dryRun()) {
                client.apps().deployments().inNamespace(request.namespace()).withName(request.deployment())
                        .patch(PatchContext.of(PatchType.JSON), plan.patch());
                LOG.info("Environment changed: deployment=[{}] changes=[{}] {}", resource, plan.changes(), context);
            }
            context.recordSideEffect("PATCH " + resource);
        }
        if (context.dryRun()) {
            context.recordCall("GET " + resource + " (until rolled out)");
            return new Result(Kind.DRY_RUN, plan.changes(), "not followed in a dry run");
        }

        // Follow the rollout: a re-delivery keeps the deadline of the delivery that made the change.
        final String state = rollout.await(request.namespace(), request.deployment(), rule.from(appliedAt), context,
                evidence);
        return new Result(kind, plan.changes(), state);
    }

    /** Returns the pod template's annotations, empty when it has none. */
    private static Map<String, String> templateAnnotations(final Deployment deployment) {
        final ObjectMeta meta = deployment.getSpec().getTemplate().getMetadata();
        return meta == null || meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    }

    private static Instant appliedAtOf(final Map<String, String> annotations, final Instant fallback) {
        final Instant parsed = PodReadiness.parseTime(annotations.get(APPLIED_AT_ANNOTATION));
        return Instant.EPOCH.equals(parsed) ? fallback : parsed;
    }

    /**
     * Builds the JSON patch (RFC 6902) of the change and the old-to-new lines. Every replaced position is first
     * tested for the name read here, so the patch fails instead of changing another container or variable when
     * the lists changed since the read.
     */
    static Plan plan(final Deployment deployment, final EnvRequest request, final String commandId,
                     final Instant now) {
        final List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        final SortedMap<String, String> values = new TreeMap<>(request.values());
        final ArrayNode patch = JSON.createArrayNode();
        final List<String> lines = new ArrayList<>();
        boolean needed = false;
        boolean matched = false;
        for (int i = 0; i < containers.size(); i++) {
            final Container container = containers.get(i);
            if (request.container() != null && !request.container().equals(container.getName())) {
                continue;
            }
            matched = true;
            final String base = "/spec/template/spec/containers/" + i;
            patch.addObject().put("op", "test").put("path", base + "/name").put("value", container.getName());
            final List<EnvVar> env = container.getEnv() == null ? List.of() : container.getEnv();
            final ArrayNode appended = JSON.createArrayNode();
            for (final Map.Entry<String, String> variable : values.entrySet()) {
                final String name = variable.getKey();
                final String value = variable.getValue();
                String old = null;
                for (int j = 0; j < env.size(); j++) {
                    final EnvVar current = env.get(j);
                    if (!name.equals(current.getName())) {
                        continue;
                    }
                    // Kubernetes uses the last definition of a duplicated name, so every definition is set and none disagrees.
                    old = describe(current);
                    if (current.getValueFrom() != null || !value.equals(valueOf(current))) {
                        final String path = base + "/env/" + j;
                        patch.addObject().put("op", "test").put("path", path + "/name").put("value", name);
                        patch.addObject().put("op", "replace").put("path", path).set("value", envVar(name, value));
                        needed = true;
                    }
                }
                if (old == null) {
                    appended.add(envVar(name, value));
                    needed = true;
                }
                lines.add(container.getName() + ": " + name + " " + (old == null ? "(unset)" : old) + " -> "
                        + quote(value));
            }
            addAll(patch, base, env.isEmpty(), appended);
        }
        if (!matched) {
            throw new StepFailure(OutcomeReason.NOT_FOUND, request.resource() + " has no container "
                    + request.container());
        }
        annotate(patch, deployment, commandId, now);
        return new Plan(needed, patch.toString(), String.join("\n", lines));
    }

    private static void addAll(final ArrayNode patch, final String base, final boolean emptyEnv,
                               final ArrayNode appended) {
        if (appended.isEmpty()) {
            return;
        }
        // An empty list may be missing from the stored JSON, so it is written whole instead of appended to.
        if (emptyEnv) {
            patch.addObject().put("op", "add").put("path", base + "/env").set("value", appended);
            return;
        }
        for (int k = 0; k < appended.size(); k++) {
            patch.addObject().put("op", "add").put("path", base + "/env/-").set("value", appended.get(k));
        }
    }

    /** Adds the command id and time annotations to the pod template; changing the template starts a rollout. */
    private static void annotate(final ArrayNode patch, final Deployment deployment, final String commandId,
                                 final Instant now) {
        final ObjectMeta meta = deployment.getSpec().getTemplate().getMetadata();
        if (meta == null) {
            patch.addObject().put("op", "add").put("path", "/spec/template/metadata").putObject("value")
                    .putObject("annotations").put(COMMAND_ID_ANNOTATION, commandId)
                    .put(APPLIED_AT_ANNOTATION, now.toString());
        } else if (meta.getAnnotations() == null || meta.getAnnotations().isEmpty()) {
            patch.addObject().put("op", "add").put("path", "/spec/template/metadata/annotations").putObject("value")
                    .put(COMMAND_ID_ANNOTATION, commandId)
                    .put(APPLIED_AT_ANNOTATION, now.toString());
        } else {
            // JSON pointer escapes '/' in an annotation key as "~1"; "add" on an existing key replaces its value.
            final String path = "/spec/template/metadata/annotations/";
            patch.addObject().put("op", "add").put("path", path + COMMAND_ID_ANNOTATION.replace("/", "~1"))
                    .put("value", commandId);
            patch.addObject().put("op", "add").put("path", path + APPLIED_AT_ANNOTATION.replace("/", "~1"))
                    .put("value", now.toString());
        }
    }

    private static ObjectNode envVar(final String name, final String value) {
        return JSON.createObjectNode().put("name", name).put("value", value);
    }

    private static String valueOf(final EnvVar variable) {
        return variable.getValue() == null ? "" : variable.getValue();
    }

    /** Describes a variable's current value; a reference is named, never resolved, so no secret is read. */
    private static String describe(final EnvVar variable) {
        final EnvVarSource source = variable.getValueFrom();
        if (source == null) {
            return quote(valueOf(variable));
        }
        if (source.getSecretKeyRef() != null) {
            return "(from secret " + source.getSecretKeyRef().getName() + " key " + source.getSecretKeyRef().getKey()
                    + ")";
        }
        if (source.getConfigMapKeyRef() != null) {
            return "(from configMap " + source.getConfigMapKeyRef().getName() + " key "
                    + source.getConfigMapKeyRef().getKey() + ")";
        }
        return "(from a field or resource reference)";
    }

    private static String quote(final String value) {
        return "\"" + value + "\"";
    }

    /** The patch to send and whether any variable needs it. */
    record Plan(boolean needed, String patch, String changes) {
    }
}
