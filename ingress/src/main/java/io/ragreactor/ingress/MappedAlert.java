package io.ragreactor.ingress;

/**
 * The result of mapping one alert of a webhook body: a {@link ParsedLine.Event} to publish, or a {@link ParsedLine.Rejected}
 * to dead-letter with the alert's JSON.
 *
 * @param index     the alert's position in the body's {@code alerts} array, from 0
 * @param alertName the alert's alertname label, or empty when it has none
 * @param alertJson the alert object as JSON text, kept in a dead letter
 * @param result    the event, or the reason the alert could not become one
 */
public record MappedAlert(int index, String alertName, String alertJson, ParsedLine result) {
}
