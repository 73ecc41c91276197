package io.ragreactor.local.seed;

import java.util.Optional;

/**
 * A pod created as it is, with its status, from a {@code kubectl get pod -o json} document.
 *
 * @param file the document's file name, for messages
 * @param workload the workload the pod belongs to
 * @param name the pod's name
 * @param revision the workload revision the pod's hash label (or its generated name) names; empty for a
 *     StatefulSet pod without a {@code controller-revision-hash} label
 * @param json the document
 */
public record PodSeed(String file, String workload, String name, Optional<String> revision, String json) {
}
