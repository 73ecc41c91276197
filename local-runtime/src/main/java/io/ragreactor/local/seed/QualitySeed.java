package io.ragreactor.local.seed;

/**
 * What the simulated quality sampler of the RAG API reports about the primary provider.
 *
 * @param component component of the sampler's target {@code <namespace>/<component>/<primary provider>}
 * @param citationHitRate the citation hit rate of the primary provider's responses, 0 to 1
 * @param precision the retrieval precision of those responses, 0 to 1
 * @param variation the largest deviation from both values between readings, so readings are not all equal
 * @param requestsPerSample requests one reading samples when the primary provider serves all traffic
 */
public record QualitySeed(String component, double citationHitRate, double precision, double variation,
        int requestsPerSample) {
}
