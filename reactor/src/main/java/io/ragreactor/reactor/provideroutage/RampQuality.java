package io.ragreactor.reactor.provideroutage;

import io.ragreactor.runbook.ProviderOutageSettings;
import io.ragreactor.schemas.health.QualityReading;
import io.ragreactor.schemas.state.ActiveIncident;
import java.util.Locale;
import java.util.Optional;

/**
 * Compares the quality readings of one ramp hold with the runbook's baseline. The sums live in the incident,
 * weighted by each reading's sample size, so that a restart resumes the hold where it stood.
 */
final class RampQuality {

    /** Outcome of a ramp hold. */
    enum Verdict {
        /** Quality held at the step: the ramp may go on. */
        HELD,
        /** Fewer requests were sampled than the runbook requires: quality is unproven. */
        TOO_FEW_SAMPLES,
        /** The hold's averages are below the baseline minus the tolerance. */
        REGRESSED
    }

    private final ProviderOutageSettings.QualityBaseline baseline;
    private final int minSamples;

    RampQuality(final ProviderOutageSettings.QualityBaseline baseline, final int minSamples) {
        this.baseline = baseline;
        this.minSamples = minSamples;
    }

    /** Clears the sums at the start of a hold. */
    static void reset(final ActiveIncident incident) {
        incident.setQualitySamples(0);
        incident.setQualityCitationSum(0.0);
        incident.setQualityPrecisionSum(0.0);
    }

    /**
     * Adds {@code reading} to the hold's sums. Returns a description of the regression when the reading is
     * below the baseline minus the tolerance, or empty. A reading that sampled no request changes nothing.
     */
    Optional<String> add(final ActiveIncident incident, final QualityReading reading) {
        final int samples = reading.getSampleSize();
        if (samples <= 0) {
            return Optional.empty();
        }
        incident.setQualitySamples(incident.getQualitySamples() + samples);
        incident.setQualityCitationSum(incident.getQualityCitationSum() + reading.getCitationHitRate() * samples);
        incident.setQualityPrecisionSum(incident.getQualityPrecisionSum() + reading.getPrecision() * samples);
        if (isBelowBaseline(reading.getCitationHitRate(), reading.getPrecision())) {
            return Optional.of("a reading over " + samples + " request(s) " + compare(reading.getCitationHitRate(),
                    reading.getPrecision()));
        }
        return Optional.empty();
    }

    /** Decides how the hold ended, from its sums. */
    Verdict verdict(final ActiveIncident incident) {
        if (incident.getQualitySamples() < minSamples) {
            return Verdict.TOO_FEW_SAMPLES;
        }
        return isBelowBaseline(averageCitationHitRate(incident), averagePrecision(incident)) ? Verdict.REGRESSED
                : Verdict.HELD;
    }

    /** Describes the hold's averages against the baseline in one line. */
    String describeHold(final ActiveIncident incident) {
        if (incident.getQualitySamples() == 0) {
            return "no request sampled, at least " + minSamples + " needed";
        }
        return incident.getQualitySamples() + " request(s) sampled (at least " + minSamples + " needed), averages "
                + compare(averageCitationHitRate(incident), averagePrecision(incident));
    }

    private boolean isBelowBaseline(final double citationHitRate, final double precision) {
        return citationHitRate < baseline.citationHitRate() - baseline.tolerance()
                || precision < baseline.precision() - baseline.tolerance();
    }

    private String compare(final double citationHitRate, final double precision) {
        return String.format(Locale.ROOT,
                "citation hit rate %.3f (baseline %.2f) and precision %.3f (baseline %.2f), tolerance %.2f",
                citationHitRate, baseline.citationHitRate(), precision, baseline.precision(), baseline.tolerance());
    }

    private static double averageCitationHitRate(final ActiveIncident incident) {
        return incident.getQualityCitationSum() / incident.getQualitySamples();
    }

    private static double averagePrecision(final ActiveIncident incident) {
        return incident.getQualityPrecisionSum() / incident.getQualitySamples();
    }
}
