package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.ragreactor.local.seed.StackSeed;
import io.ragreactor.local.seed.VectorstoreSeed;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an argument vector inside a simulated container. The vectorstore container runs one command, the
 * seed's reopen vector for the pod's own shard, and its result depends on the index of the PVC the pod mounts.
 */
final class ExecSimulator {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedCluster.LOGGER_NAME);

    // The segment file that the checksum error names. The demo's vectorstore log lines name the same file.
    private static final String DAMAGED_SEGMENT = "seg-000183.vec";

    private final StackSeed seed;
    private final VolumeIndexes indexes;

    ExecSimulator(final StackSeed seed, final VolumeIndexes indexes) {
        this.seed = seed;
        this.indexes = indexes;
    }

    ExecResult execute(final Pod pod, final Container container, final List<String> command) {
        final VectorstoreSeed vectorstore = seed.vectorstore();
        final String namespace = pod.getMetadata().getNamespace();
        final String podName = pod.getMetadata().getName();
        final Optional<String> shard = vectorstore.shardOfPodLabels(pod.getMetadata().getLabels());
        final boolean isReopen = shard.isPresent()
                && vectorstore.container().equals(container.getName())
                && command.equals(vectorstore.reopenCommand(shard.get()));
        if (!isReopen) {
            LOG.info("exec pod=[{}/{}] container=[{}] command={}: not a command of this container, exit {}",
                    namespace, podName, container.getName(), command, ExecResult.EXIT_COMMAND_NOT_FOUND);
            return new ExecResult(ExecResult.EXIT_COMMAND_NOT_FOUND, "",
                    String.join(" ", command) + ": command not found\n");
        }

        final String mountPath = Pods.mountPath(container, vectorstore.indexVolume()).orElse(vectorstore.mountPath());
        final Optional<String> claim = Pods.claimOfVolume(pod.getSpec(), vectorstore.indexVolume());
        final Optional<VolumeIndex> index = claim.flatMap(name -> indexes.get(namespace, name));
        final ExecResult result;
        if (index.isPresent() && index.get().healthy()) {
            result = new ExecResult(ExecResult.EXIT_OK,
                    "index reopened: " + index.get().documents().size() + " documents\n", "");
        } else {
            result = new ExecResult(ExecResult.EXIT_INDEX_BROKEN, "",
                    "error: " + shard.get() + ": index checksum mismatch in " + mountPath + "/" + DAMAGED_SEGMENT
                            + " (PVC " + claim.orElse("<none>") + "), reopen aborted\n");
        }
        LOG.info("exec pod=[{}/{}] command={} claim=[{}] index=[{}]: exit {}", namespace, podName, command,
                claim.orElse("<none>"), index.map(found -> found.state().label()).orElse("missing"),
                result.exitCode());
        return result;
    }
}
