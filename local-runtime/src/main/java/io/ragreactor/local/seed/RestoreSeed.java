package io.ragreactor.local.seed;

/**
 * The marks of a restore Job in the simulated cluster: its container image and the env variable that
 * names the snapshot to copy, as {@code s3://bucket/prefix/}.
 */
public record RestoreSeed(String image, String snapshotEnv) {
}
