package io.ragreactor.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.HealthEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The receiver's responses to requests it rejects, and its health check. Nothing of these reaches the sink. */
class WebhookReceiverTest {

    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);

    private final HttpClient http = HttpClient.newHttpClient();
    private final RecordingSink sink = new RecordingSink();
    private WebhookReceiver receiver;

    @BeforeEach
    void startReceiver() {
        receiver = WebhookReceiver.start(new ReceiverSettings(new InetSocketAddress("127.0.0.1", 0), MAX_BODY_BYTES, 2),
                Runbook.defaults(), sink, CLOCK);
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    private HttpResponse<String> send(final String method, final String path, final String body)
            throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(receiver.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRespondToHealthCheck() throws Exception {
        final HttpResponse<String> response = send("GET", "/healthz", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
    }

    @Test
    void shouldRejectMalformedBodyWith400() throws Exception {
        final HttpResponse<String> notJson = send("POST", "/alertmanager", "{\"version\":");
        final HttpResponse<String> badAlert = send("POST", "/alertmanager", AlertmanagerWebhookMapperTest.sampleWith(
                body -> ((ObjectNode) body.path("alerts").get(2)).remove("startsAt")));

        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("invalid Alertmanager webhook body: body is not JSON");
        assertThat(badAlert.statusCode()).isEqualTo(400);
        assertThat(badAlert.body()).contains("alerts[2].startsAt is missing");
        assertThat(sink.events).isEmpty();
        assertThat(sink.deadLetters).isEmpty();
    }

    @Test
    void shouldRejectOtherMethodsWith405() throws Exception {
        final HttpResponse<String> get = send("GET", "/alertmanager", null);
        final HttpResponse<String> put = send("PUT", "/health-lines?format=probe", "{}");
        final HttpResponse<String> postHealth = send("POST", "/healthz", "{}");

        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).contains("POST");
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(postHealth.statusCode()).isEqualTo(405);
        assertThat(postHealth.headers().firstValue("Allow")).contains("GET");
    }

    @Test
    void shouldRejectOversizedBodyWith413() throws Exception {
        final String padded = AlertmanagerWebhookMapperTest.sampleWith(body -> body.put("padding",
                "x".repeat(MAX_BODY_BYTES)));

        final HttpResponse<String> alerts = send("POST", "/alertmanager", padded);
        final HttpResponse<String> lines = send("POST", "/health-lines?format=probe", padded);

        assertThat(alerts.statusCode()).isEqualTo(413);
        assertThat(alerts.body()).contains("exceeds the limit of " + MAX_BODY_BYTES + " bytes");
        assertThat(lines.statusCode()).isEqualTo(413);
        assertThat(sink.events).isEmpty();
    }

    @Test
    void shouldRejectUnknownLineFormatWith400() throws Exception {
        final HttpResponse<String> unknown = send("POST", "/health-lines?format=syslog", "{}");
        final HttpResponse<String> missing = send("POST", "/health-lines", "{}");

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("format must be probe or provider, got 'syslog'");
        assertThat(missing.statusCode()).isEqualTo(400);
    }

    @Test
    void shouldRespond404OutsideEndpoints() throws Exception {
        assertThat(send("POST", "/alertmanager/v2", "{}").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldSendEventsAndDeadLettersToSink() throws Exception {
        final String body = AlertmanagerWebhookMapperTest.sampleWith(root -> ((ObjectNode)
                root.path("alerts").get(0).path("labels")).put("alertname", "DiskFull"));

        final HttpResponse<String> response = send("POST", "/alertmanager", body);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"published\":2").contains("\"deadLettered\":1");
        assertThat(sink.events).extracting(HealthEvent::getObservedAt).containsOnly(CLOCK.instant());
        assertThat(sink.deadLetters).singleElement().satisfies(letter -> {
            assertThat(letter.sourceName()).isEqualTo("alertmanager-receiver");
            assertThat(letter.position()).isZero();
            assertThat(letter.input()).contains("\"fingerprint\":\"7c2e1a9b04d3f615\"");
            assertThat(letter.message()).contains("alert DiskFull").contains("has no rule");
        });
    }
}
