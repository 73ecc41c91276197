package io.ragreactor.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls against a registry, so tests see the exact status, headers and JSON it returns. */
final class RegistryHttp {

    /** One response: HTTP status, Content-Type header and the parsed JSON body. */
    record Response(int status, String contentType, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    RegistryHttp(final String baseUrl) {
        this.baseUrl = baseUrl;
    }

    Response get(final String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    Response post(final String path, final String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Registers {@code schema} under {@code subject} and returns the id, failing on any other response. */
    int register(final String subject, final String schema) {
        final Response response = post("/subjects/" + subject + "/versions", schemaBody(schema));
        if (response.status() != 200) {
            throw new AssertionError("register of " + subject + " returned " + response);
        }
        return response.body().get("id").intValue();
    }

    static String schemaBody(final String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    private Response send(final HttpRequest.Builder request) {
        try {
            final HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    JSON.readTree(response.body()));
        } catch (final IOException e) {
            throw new AssertionError("registry call failed: " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
