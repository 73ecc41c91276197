package io.ragreactor.actuators.restore;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** The result of choosing a snapshot: the chosen folder, if any, and every candidate with the reason it was skipped. */
public record SnapshotChoice(String bucket, String prefix, Optional<SnapshotCandidate> chosen,
                             List<SnapshotCandidate> candidates) {

    public SnapshotChoice {
        candidates = List.copyOf(candidates);
    }

    /** Returns the key prefix of the chosen snapshot folder, ending in a slash. */
    public Optional<String> chosenKeyPrefix() {
        return chosen.map(c -> prefix + c.folder() + "/");
    }

    /** Returns the chosen snapshot as {@code s3://bucket/prefix/folder/}. */
    public Optional<String> chosenUri() {
        return chosenKeyPrefix().map(key -> "s3://" + bucket + "/" + key);
    }

    /** Explains the choice: the chosen snapshot first, then each candidate in folder order with its note. */
    public String explanation() {
        final String head = chosen
                .map(c -> "chose " + c.folder() + "/ (manifest createdAt " + c.createdAt()
                        + "), the newest complete snapshot by manifest createdAt")
                .orElse("no complete snapshot under s3://" + bucket + "/" + prefix);
        final String lines = candidates.stream()
                .sorted(Comparator.comparing(SnapshotCandidate::folder))
                .map(c -> "- " + c.folder() + "/: " + c.note()
                        + (c.createdAt() == null ? "" : " (manifest createdAt " + c.createdAt() + ")"))
                .collect(Collectors.joining("\n"));
        return head + "\ncandidates:\n" + (lines.isEmpty() ? "- none" : lines);
    }
}
