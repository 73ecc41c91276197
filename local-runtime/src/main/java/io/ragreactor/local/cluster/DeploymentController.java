package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the Deployment and ReplicaSet controllers. Pods are created from the Deployment's current template and
 * labelled with its hash, and the simulated kubelet starts them. Pods of an older template are deleted once
 * enough pods of the current one are Ready. Scaling works the same.
 */
final class DeploymentController {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);

    // Characters Kubernetes uses for generated name suffixes: no vowels, no look-alike digits.
    private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final int SUFFIX_LENGTH = 5;

    /** Annotation in which the Deployment controller numbers a ReplicaSet's revision. */
    static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

    private final KubernetesClient client;
    private final SimulatedKubelet kubelet;
    private final TemplateRevisions revisions;

    DeploymentController(final KubernetesClient client, final SimulatedKubelet kubelet,
            final TemplateRevisions revisions) {
        this.client = client;
        this.kubelet = kubelet;
        this.revisions = revisions;
    }

    void reconcile() {
        final List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
        for (final Deployment deployment : client.apps().deployments().inAnyNamespace().list().getItems()) {
            final List<Pod> owned = pods.stream()
                    .filter(pod -> Objects.equals(pod.getMetadata().getNamespace(), deployment.getMetadata().getNamespace()))
                    .filter(pod -> Pods.isOwnedByDeployment(pod, deployment.getMetadata().getName()))
                    .toList();
            reconcile(deployment, owned);
        }
    }

    /** Returns the hash of the Deployment's current template, or the seeded name of that template. */
    static String currentHash(final Deployment deployment, final TemplateRevisions revisions) {
        return revisions.current(deployment.getMetadata().getNamespace(), "Deployment",
                deployment.getMetadata().getName(), Pods.templateHash(deployment.getSpec().getTemplate()));
    }

    private void reconcile(final Deployment deployment, final List<Pod> owned) {
        final String hash = currentHash(deployment, revisions);
        final int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        recordRevision(deployment, hash);
        final List<Pod> current = new ArrayList<>();
        final List<Pod> old = new ArrayList<>();
        for (final Pod pod : owned) {
            if (hash.equals(pod.getMetadata().getLabels().get(Pods.TEMPLATE_HASH_LABEL))) {
                current.add(pod);
            } else {
                old.add(pod);
            }
        }

        // Phase 1: the kubelet's part, pods of any revision start once their start-up delay has passed.
        final List<Pod> started = new ArrayList<>();
        for (final Pod pod : owned) {
            started.add(kubelet.advance(pod, deployment.getMetadata().getName()));
        }

        // Phase 2: create or remove pods of the current template until their count matches the replicas.
        for (int i = current.size(); i < desired; i++) {
            current.add(createPod(deployment, hash, owned));
        }
        if (current.size() > desired) {
            // Remove the ones that are not Ready first, then the newest, as a scale-down does.
            current.sort(Pods.NEWEST_FIRST);
            current.sort((left, right) -> Boolean.compare(Pods.isReady(left), Pods.isReady(right)));
            while (current.size() > desired) {
                deletePod(current.remove(0), "scaled down to " + desired);
            }
        }

        // Phase 3: finish a rollout, old pods go only when enough current pods serve.
        final long readyCurrent = started.stream()
                .filter(pod -> hash.equals(pod.getMetadata().getLabels().get(Pods.TEMPLATE_HASH_LABEL)))
                .filter(Pods::isReady)
                .count();
        if (readyCurrent >= desired) {
            for (final Pod pod : old) {
                deletePod(pod, "replaced by a pod of the current template " + hash);
            }
        }

        updateStatus(deployment, started, hash, desired);
    }

    /**
     * Keeps the rollout history as a real Deployment controller does: one ReplicaSet per template, named after
     * the template hash and annotated with its revision. A template seen before, as after a switch back, gets the
     * next revision again instead of a new ReplicaSet. The ReplicaSets only record history; pods stay owned by
     * the Deployment in this simulation.
     */
    private void recordRevision(final Deployment deployment, final String hash) {
        final String namespace = deployment.getMetadata().getNamespace();
        final String name = deployment.getMetadata().getName() + "-" + hash;
        final List<ReplicaSet> history = client.apps().replicaSets().inNamespace(namespace).list().getItems().stream()
                .filter(replicaSet -> replicaSet.getMetadata().getOwnerReferences().stream()
                        .anyMatch(owner -> owner.getName().equals(deployment.getMetadata().getName())))
                .toList();
        final long newest = history.stream().mapToLong(DeploymentController::revision).max().orElse(0);
        final ReplicaSet current = history.stream()
                .filter(replicaSet -> replicaSet.getMetadata().getName().equals(name))
                .findFirst().orElse(null);
        if (current != null && revision(current) == newest) {
            return;
        }
        final String next = Long.toString(newest + 1);
        if (current != null) {
            client.apps().replicaSets().inNamespace(namespace).withName(name).edit(replicaSet -> new ReplicaSetBuilder(
                    replicaSet).editMetadata().addToAnnotations(REVISION_ANNOTATION, next).endMetadata().build());
            LOG.info("deployment=[{}/{}] back to the template of replicaset=[{}], now revision {}", namespace,
                    deployment.getMetadata().getName(), name, next);
            return;
        }
        final Map<String, String> labels = new LinkedHashMap<>(deployment.getSpec().getTemplate().getMetadata().getLabels());
        labels.put(Pods.TEMPLATE_HASH_LABEL, hash);
        client.apps().replicaSets().inNamespace(namespace).resource(new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .addToAnnotations(REVISION_ANNOTATION, next)
                .withOwnerReferences(ClusterSeeder.owner("apps/v1", "Deployment", deployment.getMetadata().getName(),
                        deployment.getMetadata().getUid()))
                .endMetadata()
                .withNewSpec()
                .withReplicas(0)
                .withSelector(deployment.getSpec().getSelector())
                .withTemplate(deployment.getSpec().getTemplate())
                .endSpec()
                .build()).create();
        LOG.info("deployment=[{}/{}] recorded replicaset=[{}] as revision {}", namespace,
                deployment.getMetadata().getName(), name, next);
    }

    private static long revision(final ReplicaSet replicaSet) {
        final Map<String, String> annotations = replicaSet.getMetadata().getAnnotations();
        try {
            return annotations == null ? 0 : Long.parseLong(annotations.getOrDefault(REVISION_ANNOTATION, "0"));
        } catch (final NumberFormatException e) {
            return 0;
        }
    }

    private Pod createPod(final Deployment deployment, final String hash, final List<Pod> existing) {
        final String namespace = deployment.getMetadata().getNamespace();
        final String name = uniqueName(deployment.getMetadata().getName(), existing);
        final Map<String, String> labels = new LinkedHashMap<>(deployment.getSpec().getTemplate().getMetadata().getLabels());
        labels.put(Pods.TEMPLATE_HASH_LABEL, hash);
        final Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
                .withOwnerReferences(ClusterSeeder.owner("apps/v1", "Deployment", deployment.getMetadata().getName(),
                        deployment.getMetadata().getUid()))
                .endMetadata()
                .withSpec(new PodSpecBuilder(deployment.getSpec().getTemplate().getSpec()).build())
                .withStatus(PodStatuses.pending(deployment.getSpec().getTemplate().getSpec(), Instant.now()))
                .build();
        final Pod created = client.pods().inNamespace(namespace).resource(pod).create();
        kubelet.created(created);
        LOG.info("deployment=[{}/{}] created pod=[{}] from template {}", namespace, deployment.getMetadata().getName(),
                name, hash);
        return created;
    }

    private void deletePod(final Pod pod, final String reason) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
        LOG.info("pod=[{}/{}] deleted: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), reason);
    }

    private void updateStatus(final Deployment deployment, final List<Pod> owned, final String hash, final int desired) {
        final int updated = (int) owned.stream()
                .filter(pod -> hash.equals(pod.getMetadata().getLabels().get(Pods.TEMPLATE_HASH_LABEL)))
                .count();
        final int ready = (int) owned.stream().filter(Pods::isReady).count();
        final Long generation = deployment.getMetadata().getGeneration();
        final DeploymentStatus status = deployment.getStatus();
        if (status != null
                && Objects.equals(status.getReplicas(), owned.size())
                && Objects.equals(status.getUpdatedReplicas(), updated)
                && Objects.equals(status.getReadyReplicas(), ready)
                && Objects.equals(status.getObservedGeneration(), generation)) {
            return;
        }
        final String now = Instant.now().toString();
        final boolean available = ready >= desired;
        client.apps().deployments()
                .inNamespace(deployment.getMetadata().getNamespace())
                .withName(deployment.getMetadata().getName())
                .editStatus(current -> new DeploymentBuilder(current)
                        .withNewStatus()
                        .withObservedGeneration(generation)
                        .withReplicas(owned.size())
                        .withUpdatedReplicas(updated)
                        .withReadyReplicas(ready)
                        .withAvailableReplicas(ready)
                        .withUnavailableReplicas(Math.max(0, desired - ready))
                        .addNewCondition()
                        .withType("Available")
                        .withStatus(available ? "True" : "False")
                        .withReason(available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable")
                        .withLastUpdateTime(now)
                        .withLastTransitionTime(now)
                        .endCondition()
                        .endStatus()
                        .build());
    }

    private static String uniqueName(final String deployment, final List<Pod> existing) {
        final Set<String> usedNames = new HashSet<>();
        existing.forEach(pod -> usedNames.add(pod.getMetadata().getName()));
        while (true) {
            final StringBuilder name = new StringBuilder(deployment).append('-');
            for (int i = 0; i < SUFFIX_LENGTH; i++) {
                name.append(SUFFIX_ALPHABET.charAt(ThreadLocalRandom.current().nextInt(SUFFIX_ALPHABET.length())));
            }
            if (!usedNames.contains(name.toString())) {
                return name.toString();
            }
        }
    }
}
