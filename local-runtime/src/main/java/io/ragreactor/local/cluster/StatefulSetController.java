package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the StatefulSet controller with the OrderedReady pod management policy. Pods are named
 * {@code <name>-<ordinal>} and labelled with the current revision. The next ordinal is created only once every
 * lower one is Ready, a scale-down removes the highest ordinals first, and a template change replaces the pods of
 * the old revision one at a time from the highest ordinal. The simulated kubelet starts the pods.
 */
final class StatefulSetController {

    /** Label naming a StatefulSet pod's revision, {@code <name>-<hash>}, as in Kubernetes. */
    static final String REVISION_LABEL = "controller-revision-hash";
    /** Label with the pod's own name, which Kubernetes sets on every StatefulSet pod. */
    static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);
    private static final Pattern ORDINAL = Pattern.compile("-([0-9]+)$");

    private final KubernetesClient client;
    private final SimulatedKubelet kubelet;
    private final TemplateRevisions revisions;

    StatefulSetController(final KubernetesClient client, final SimulatedKubelet kubelet,
            final TemplateRevisions revisions) {
        this.client = client;
        this.kubelet = kubelet;
        this.revisions = revisions;
    }

    void reconcile() {
        final List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
        for (final StatefulSet statefulSet : client.apps().statefulSets().inAnyNamespace().list().getItems()) {
            final String name = statefulSet.getMetadata().getName();
            // Keyed by ordinal, so the pods are in ordinal order.
            final TreeMap<Integer, Pod> owned = new TreeMap<>();
            for (final Pod pod : pods) {
                if (Objects.equals(pod.getMetadata().getNamespace(), statefulSet.getMetadata().getNamespace())
                        && Pods.isOwnedBy(pod, "StatefulSet", name)) {
                    ordinalOf(pod, name).ifPresent(ordinal -> owned.put(ordinal, pod));
                }
            }
            reconcile(statefulSet, owned);
        }
    }

    /** Returns the StatefulSet's current revision, {@code <name>-<template hash>}, or the seeded name of it. */
    static String currentRevision(final StatefulSet statefulSet, final TemplateRevisions revisions) {
        final String name = statefulSet.getMetadata().getName();
        return revisions.current(statefulSet.getMetadata().getNamespace(), "StatefulSet", name,
                name + "-" + Pods.templateHash(statefulSet.getSpec().getTemplate()));
    }

    private void reconcile(final StatefulSet statefulSet, final TreeMap<Integer, Pod> owned) {
        final String name = statefulSet.getMetadata().getName();
        final String revision = currentRevision(statefulSet, revisions);
        final int desired = statefulSet.getSpec().getReplicas() == null ? 1 : statefulSet.getSpec().getReplicas();

        // Phase 1: the kubelet's part, pods start once their start-up delay has passed.
        owned.replaceAll((ordinal, pod) -> kubelet.advance(pod, name));

        // Phase 2: scale down from the highest ordinal.
        while (!owned.isEmpty() && owned.lastKey() >= desired) {
            final Pod pod = owned.remove(owned.lastKey());
            deletePod(pod, "scaled down to " + desired);
        }

        // Phase 3: create the lowest missing ordinal once every pod below it is Ready, one pod per pass.
        for (int ordinal = 0; ordinal < desired; ordinal++) {
            final Pod pod = owned.get(ordinal);
            if (pod == null) {
                owned.put(ordinal, createPod(statefulSet, ordinal, revision));
                break;
            }
            if (!Pods.isReady(pod)) {
                break;
            }
        }

        // Phase 4: roll the old revision's pods, highest ordinal first, once every pod above it is current and Ready.
        for (final Integer ordinal : owned.descendingKeySet()) {
            final Pod pod = owned.get(ordinal);
            if (!revision.equals(pod.getMetadata().getLabels().get(REVISION_LABEL))) {
                deletePod(pod, "replaced by a pod of revision " + revision);
                owned.remove(ordinal);
                break;
            }
            if (!Pods.isReady(pod)) {
                break;
            }
        }

        updateStatus(statefulSet, owned, revision);
    }

    private Pod createPod(final StatefulSet statefulSet, final int ordinal, final String revision) {
        final String namespace = statefulSet.getMetadata().getNamespace();
        final String name = statefulSet.getMetadata().getName() + "-" + ordinal;
        final Map<String, String> labels = new LinkedHashMap<>(statefulSet.getSpec().getTemplate().getMetadata().getLabels());
        labels.put(REVISION_LABEL, revision);
        labels.put(POD_NAME_LABEL, name);
        final PodSpec spec = new PodSpecBuilder(statefulSet.getSpec().getTemplate().getSpec())
                .withHostname(name)
                .withSubdomain(statefulSet.getSpec().getServiceName())
                .build();
        final Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(statefulSet.getSpec().getTemplate().getMetadata().getAnnotations())
                .withOwnerReferences(ClusterSeeder.owner("apps/v1", "StatefulSet", statefulSet.getMetadata().getName(),
                        statefulSet.getMetadata().getUid()))
                .endMetadata()
                .withSpec(spec)
                .withStatus(PodStatuses.pending(spec, Instant.now()))
                .build();
        final Pod created = client.pods().inNamespace(namespace).resource(pod).create();
        kubelet.created(created);
        LOG.info("statefulset=[{}/{}] created pod=[{}] of revision {}", namespace, statefulSet.getMetadata().getName(),
                name, revision);
        return created;
    }

    private void deletePod(final Pod pod, final String reason) {
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
        LOG.info("pod=[{}/{}] deleted: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), reason);
    }

    private void updateStatus(final StatefulSet statefulSet, final TreeMap<Integer, Pod> owned, final String revision) {
        final int replicas = owned.size();
        final int ready = (int) owned.values().stream().filter(Pods::isReady).count();
        final int updated = (int) owned.values().stream()
                .filter(pod -> revision.equals(pod.getMetadata().getLabels().get(REVISION_LABEL)))
                .count();
        final Long generation = statefulSet.getMetadata().getGeneration();
        final StatefulSetStatus status = statefulSet.getStatus();
        if (status != null
                && Objects.equals(status.getReplicas(), replicas)
                && Objects.equals(status.getReadyReplicas(), ready)
                && Objects.equals(status.getUpdatedReplicas(), updated)
                && Objects.equals(status.getUpdateRevision(), revision)
                && Objects.equals(status.getObservedGeneration(), generation)) {
            return;
        }
        // Once every pod runs the update revision, it is the current revision too, as in Kubernetes.
        final String currentRevision = updated == replicas ? revision
                : status == null || status.getCurrentRevision() == null ? revision : status.getCurrentRevision();
        client.apps().statefulSets()
                .inNamespace(statefulSet.getMetadata().getNamespace())
                .withName(statefulSet.getMetadata().getName())
                .editStatus(current -> new StatefulSetBuilder(current)
                        .withNewStatus()
                        .withObservedGeneration(generation)
                        .withReplicas(replicas)
                        .withReadyReplicas(ready)
                        .withAvailableReplicas(ready)
                        .withCurrentReplicas(updated == replicas ? replicas : replicas - updated)
                        .withUpdatedReplicas(updated)
                        .withCurrentRevision(currentRevision)
                        .withUpdateRevision(revision)
                        .endStatus()
                        .build());
    }

    private static Optional<Integer> ordinalOf(final Pod pod, final String statefulSet) {
        final String podName = pod.getMetadata().getName();
        final Matcher matcher = ORDINAL.matcher(podName);
        if (!matcher.find() || !podName.equals(statefulSet + "-" + matcher.group(1))) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(matcher.group(1)));
        } catch (final NumberFormatException e) {
            return Optional.empty();
        }
    }
}
