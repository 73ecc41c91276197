package io.ragreactor.actuators.escalate;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.settings.DeploymentEnvUpdate;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Describes a Deployment's recent rollouts for an escalation. Each of its newest ReplicaSets is listed with its
 * revision and creation time, and with what changed since the revision before: images, environment variables,
 * and the Secrets and ConfigMaps their values come from. Values are never copied, because they may be
 * credentials, so a changed value shows as changed. Reading is best effort: a failure becomes the evidence's text.
 */
public final class RolloutHistory {

    /** Evidence kind of the rollout history. */
    public static final String EVIDENCE_KIND = "recent-changes";
    /** Newest revisions described; older ones rarely explain a new failure. */
    static final int MAX_REVISIONS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(RolloutHistory.class);
    private static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

    private final KubernetesClient client;
    private final Guards guards;

    public RolloutHistory(final KubernetesClient client, final Guards guards) {
        this.client = client;
        this.guards = guards;
    }

    /** Returns the evidence for {@code workload} in {@code namespace}, after checking both names. */
    public Evidence describe(final String namespace, final WorkloadRef workload, final ExecutionContext context) {
        final String resource = "deployments/" + namespace + "/" + workload.getName();
        try {
            guards.namespace("namespace", namespace);
            guards.dnsSubdomain("recentChangesOf.name", workload.getName());
        } catch (final GuardRejection e) {
            return Evidences.of(EVIDENCE_KIND, resource, "not read: " + e.getMessage());
        }
        if (!"Deployment".equals(workload.getKind())) {
            return Evidences.of(EVIDENCE_KIND, workload.getKind() + "/" + namespace + "/" + workload.getName(),
                    "not read: rollout history is read for Deployments only");
        }
        if (context.dryRun()) {
            context.recordCall("GET " + resource);
            context.recordCall("LIST replicasets/" + namespace + " owned by " + resource);
            return Evidences.of(EVIDENCE_KIND, resource, "dry run: would read the rollout history");
        }
        try {
            context.recordCall("GET " + resource);
            final Deployment deployment = client.apps().deployments().inNamespace(namespace)
                    .withName(workload.getName()).get();
            if (deployment == null) {
                return Evidences.of(EVIDENCE_KIND, resource, "not read: the Deployment does not exist");
            }
            context.recordCall("LIST replicasets/" + namespace + " owned by " + resource);
            final Map<String, String> selector = deployment.getSpec().getSelector() == null ? Map.of()
                    : deployment.getSpec().getSelector().getMatchLabels();
            final List<ReplicaSet> owned = client.apps().replicaSets().inNamespace(namespace)
                    .withLabels(selector == null ? Map.of() : selector).list().getItems().stream()
                    .filter(replicaSet -> ownedBy(replicaSet, deployment))
                    .sorted(Comparator.comparingLong(RolloutHistory::revision).reversed())
                    .toList();
            return Evidences.of(EVIDENCE_KIND, resource, text(owned));
        } catch (final KubernetesClientException e) {
            LOG.warn("Rollout history not read: resource=[{}] code=[{}] {}", resource, e.getCode(), context);
            return Evidences.of(EVIDENCE_KIND, resource, "not read: HTTP " + e.getCode() + " " + e.getMessage());
        }
    }

    private static String text(final List<ReplicaSet> newestFirst) {
        if (newestFirst.isEmpty()) {
            return "no ReplicaSet of the Deployment found, so no rollout history";
        }
        final List<String> lines = new ArrayList<>();
        for (int i = 0; i < Math.min(MAX_REVISIONS, newestFirst.size()); i++) {
            final ReplicaSet current = newestFirst.get(i);
            final StringBuilder line = new StringBuilder()
                    .append("revision ").append(revision(current))
                    .append(", ReplicaSet ").append(current.getMetadata().getName())
                    .append(" created ").append(current.getMetadata().getCreationTimestamp());
            final String commandId = changedByCommand(newestFirst, i);
            if (commandId != null) {
                line.append(", made by rag-reactor command ").append(commandId);
            }
            if (i + 1 < newestFirst.size()) {
                final List<String> changes = changes(podSpec(newestFirst.get(i + 1)), podSpec(current));
                line.append(changes.isEmpty() ? ": no change of images or environment since revision "
                        + revision(newestFirst.get(i + 1)) : ": " + String.join("; ", changes));
            } else {
                line.append(": the oldest revision kept");
            }
            lines.add(line.toString());
        }
        return String.join("\n", lines);
    }

    /**
     * Returns the rag-reactor command that made revision {@code index}, or null when someone else did. The
     * actuators mark the pod template with the id of the command that changed it, and a later change by hand
     * keeps that mark, so only a mark that differs from the revision before names the revision's author.
     */
    private static String changedByCommand(final List<ReplicaSet> newestFirst, final int index) {
        final String mark = commandMark(newestFirst.get(index));
        final String before = index + 1 < newestFirst.size() ? commandMark(newestFirst.get(index + 1)) : null;
        return mark != null && !mark.equals(before) ? mark : null;
    }

    private static String commandMark(final ReplicaSet replicaSet) {
        if (replicaSet.getSpec() == null || replicaSet.getSpec().getTemplate() == null
                || replicaSet.getSpec().getTemplate().getMetadata() == null
                || replicaSet.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
            return null;
        }
        return replicaSet.getSpec().getTemplate().getMetadata().getAnnotations()
                .get(DeploymentEnvUpdate.COMMAND_ID_ANNOTATION);
    }

    /** Lists what changed between two pod specs: images, environment variables by name, and env sources. */
    static List<String> changes(final PodSpec before, final PodSpec after) {
        final List<String> changes = new ArrayList<>();
        final Map<String, Container> old = containers(before);
        for (final Container container : containers(after).values()) {
            final Container previous = old.get(container.getName());
            if (previous == null) {
                changes.add("container " + container.getName() + " added");
                continue;
            }
            if (!Objects.equals(previous.getImage(), container.getImage())) {
                changes.add(container.getName() + " image " + previous.getImage() + " -> " + container.getImage());
            }
            changes.addAll(envChanges(container.getName(), env(previous), env(container)));
            if (!Objects.equals(envFrom(previous), envFrom(container))) {
                changes.add(container.getName() + " envFrom " + envFrom(previous) + " -> " + envFrom(container));
            }
        }
        return changes;
    }

    private static List<String> envChanges(final String container, final Map<String, EnvVar> before,
                                           final Map<String, EnvVar> after) {
        final List<String> changes = new ArrayList<>();
        for (final EnvVar variable : after.values()) {
            final EnvVar previous = before.get(variable.getName());
            if (previous == null) {
                changes.add(container + " env " + variable.getName() + " added" + source(variable));
            } else if (!Objects.equals(source(previous), source(variable))) {
                changes.add(container + " env " + variable.getName() + source(previous) + " ->" + source(variable));
            } else if (!Objects.equals(previous.getValue(), variable.getValue())) {
                changes.add(container + " env " + variable.getName() + " value changed");
            }
        }
        for (final String name : before.keySet()) {
            if (!after.containsKey(name)) {
                changes.add(container + " env " + name + " removed");
            }
        }
        return changes;
    }

    /** Names where a variable's value comes from, never the value: {@code  from secret llm-keys/primary}. */
    private static String source(final EnvVar variable) {
        final EnvVarSource from = variable.getValueFrom();
        if (from == null) {
            return " (literal)";
        }
        if (from.getSecretKeyRef() != null) {
            return " from secret " + from.getSecretKeyRef().getName() + "/" + from.getSecretKeyRef().getKey();
        }
        if (from.getConfigMapKeyRef() != null) {
            return " from configmap " + from.getConfigMapKeyRef().getName() + "/" + from.getConfigMapKeyRef().getKey();
        }
        return " (from the pod's fields)";
    }

    private static List<String> envFrom(final Container container) {
        final List<String> sources = new ArrayList<>();
        for (final EnvFromSource from : container.getEnvFrom()) {
            if (from.getSecretRef() != null) {
                sources.add("secret " + from.getSecretRef().getName());
            } else if (from.getConfigMapRef() != null) {
                sources.add("configmap " + from.getConfigMapRef().getName());
            }
        }
        return sources;
    }

    private static Map<String, Container> containers(final PodSpec spec) {
        final Map<String, Container> byName = new LinkedHashMap<>();
        if (spec != null) {
            spec.getContainers().forEach(container -> byName.put(container.getName(), container));
        }
        return byName;
    }

    private static Map<String, EnvVar> env(final Container container) {
        final Map<String, EnvVar> byName = new LinkedHashMap<>();
        container.getEnv().forEach(variable -> byName.put(variable.getName(), variable));
        return byName;
    }

    private static PodSpec podSpec(final ReplicaSet replicaSet) {
        return replicaSet.getSpec() == null || replicaSet.getSpec().getTemplate() == null ? null
                : replicaSet.getSpec().getTemplate().getSpec();
    }

    private static boolean ownedBy(final ReplicaSet replicaSet, final Deployment deployment) {
        for (final OwnerReference owner : replicaSet.getMetadata().getOwnerReferences()) {
            if ("Deployment".equals(owner.getKind()) && deployment.getMetadata().getName().equals(owner.getName())) {
                return true;
            }
        }
        return false;
    }

    private static long revision(final ReplicaSet replicaSet) {
        final Map<String, String> annotations = replicaSet.getMetadata().getAnnotations();
        final String revision = annotations == null ? null : annotations.get(REVISION_ANNOTATION);
        try {
            return revision == null ? 0 : Long.parseLong(revision);
        } catch (final NumberFormatException e) {
            return 0;
        }
    }
}
