package io.ragreactor.runbook;

import java.util.Optional;

/**
 * Maps one Alertmanager alert, by its {@code alertname} label, to the symptom it reports. The alert's target
 * is the value of its label {@code targetLabel}, mapped by the runbook's {@code targets} rules whose source
 * has the same name.
 *
 * @param alertName   the alertname label this rule applies to
 * @param symptom     the kind of health event the alert becomes
 * @param targetLabel the label whose value names the target, also the source of the targets rules applied to it
 * @param statusLabel for {@link Symptom#PROVIDER_ERROR}, the label containing the HTTP status; null otherwise or
 *                    when {@code httpStatus} is set
 * @param httpStatus  for {@link Symptom#PROVIDER_ERROR}, a fixed HTTP status; null otherwise or when
 *                    {@code statusLabel} is set
 */
public record AlertRule(String alertName, Symptom symptom, String targetLabel, String statusLabel, Integer httpStatus) {

    /** The symptom an alert reports, each one a payload kind of the health event. */
    public enum Symptom {
        /** Golden queries returned nothing: a golden query result with no documents. */
        EMPTY_RESULTS("emptyResults"),
        /** The shard is not serving: a shard status report of UNAVAILABLE. */
        SHARD_UNAVAILABLE("shardUnavailable"),
        /** An index IO or checksum error, classified by the shard-down detection patterns. */
        INDEX_IO_ERROR("indexIoError"),
        /** Failed calls to an LLM provider with one HTTP status. */
        PROVIDER_ERROR("providerError");

        private final String key;

        Symptom(final String key) {
            this.key = key;
        }

        /** Returns the name the runbook file uses, for example {@code shardUnavailable}. */
        public String key() {
            return key;
        }

        /** Returns the symptom the runbook file names {@code key}, or empty when there is none. */
        public static Optional<Symptom> byKey(final String key) {
            for (final Symptom symptom : values()) {
                if (symptom.key.equals(key)) {
                    return Optional.of(symptom);
                }
            }
            return Optional.empty();
        }
    }
}
