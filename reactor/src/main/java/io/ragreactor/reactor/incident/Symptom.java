package io.ragreactor.reactor.incident;

/**
 * A health event recognised as a symptom by one scenario's detection.
 *
 * @param kind short name of the kind of symptom, for example outage, auth or crash-loop; stored as the
 *             trigger of the incident it opens
 * @param description one line for the incident record and the logs
 * @param opensAtOnce true when this symptom alone opens an incident, whatever the threshold: an auth
 *                    failure is a configuration fault, not a burst to count
 */
public record Symptom(String kind, String description, boolean opensAtOnce) {

    public static Symptom of(final String kind, final String description) {
        return new Symptom(kind, description, false);
    }
}
