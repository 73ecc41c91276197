package io.ragreactor.local.seed;

/** A Deployment of the stack with a single container named like the Deployment. */
public record WorkloadSeed(String name, String image) {
}
