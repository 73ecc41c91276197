package io.ragreactor.reactor.provideroutage;

import java.util.Optional;

/**
 * The kinds of step of the provider-outage ladder. Ramp and rollback steps repeat within one incident, so
 * their step names carry the percent and the round (ramp) or the rollback number: a repeated name would
 * reuse a command id that actuators already executed.
 */
public enum ProviderOutageStep {
    SWITCH_PROVIDER("switch-provider"),
    FALLBACK_MODE("fallback-mode"),
    THROTTLE("throttle"),
    RAMP("ramp"),
    ROLLBACK("rollback"),
    SWITCH_BACK("switch-back"),
    RESTORE_NORMAL("restore-normal");

    private static final String ROUND = "-round-";

    private final String stepName;

    ProviderOutageStep(final String stepName) {
        this.stepName = stepName;
    }

    /** Returns the name of a step that occurs once per incident. Ramp and rollback names come from their builders. */
    public String stepName() {
        return stepName;
    }

    /**
     * Returns the name of the ramp step to {@code percent}: {@code ramp-<p>} in round 1, later
     * {@code ramp-<p>-round-<n>}.
     */
    public static String rampStep(final int percent, final int round) {
        return RAMP.stepName + "-" + percent + (round <= 1 ? "" : ROUND + round);
    }

    /** Returns the name of the {@code number}th rollback of the incident, {@code rollback-<n>}. */
    public static String rollbackStep(final int number) {
        return ROLLBACK.stepName + "-" + number;
    }

    /** Returns the kind of step {@code stepName} names, or empty when it names none of this ladder's steps. */
    public static Optional<ProviderOutageStep> byName(final String stepName) {
        for (final ProviderOutageStep step : values()) {
            if (step != RAMP && step != ROLLBACK && step.stepName.equals(stepName)) {
                return Optional.of(step);
            }
        }
        if (rampPercent(stepName).isPresent()) {
            return Optional.of(RAMP);
        }
        if (numberAfter(ROLLBACK.stepName + "-", stepName).isPresent()) {
            return Optional.of(ROLLBACK);
        }
        return Optional.empty();
    }

    /** Returns the traffic percent of a ramp step name such as {@code ramp-25} or {@code ramp-25-round-2}. */
    public static Optional<Integer> rampPercent(final String stepName) {
        final String prefix = RAMP.stepName + "-";
        if (!stepName.startsWith(prefix)) {
            return Optional.empty();
        }
        final int round = stepName.indexOf(ROUND);
        if (round >= 0 && numberAfter(ROUND, stepName.substring(round)).isEmpty()) {
            return Optional.empty();
        }
        return numberAfter(prefix, round >= 0 ? stepName.substring(0, round) : stepName);
    }

    private static Optional<Integer> numberAfter(final String prefix, final String text) {
        if (!text.startsWith(prefix) || text.length() == prefix.length() || text.length() > prefix.length() + 3) {
            return Optional.empty();
        }
        final String digits = text.substring(prefix.length());
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(Integer.parseInt(digits));
    }
}
