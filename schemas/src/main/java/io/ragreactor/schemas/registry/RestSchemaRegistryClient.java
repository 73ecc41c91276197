package io.ragreactor.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client of the Confluent schema registry REST API (register under a subject, look up by id)
 * that caches both directions, so the hot path never calls the registry twice for one schema.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    /** Media type of the Confluent schema registry API, version 1. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(final String baseUrl) {
        this(baseUrl, Duration.ofSeconds(10));
    }

    public RestSchemaRegistryClient(final String baseUrl, final Duration requestTimeout) {
        final String trimmed = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.baseUrl = URI.create(trimmed);
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    @Override
    public int register(final String subject, final Schema schema) {
        final String cacheKey = subject + '\n' + schema.toString();
        final Integer cached = idsBySubjectAndSchema.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        final ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        final String path = "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions";
        final JsonNode response = send("POST", path, body.toString());
        final JsonNode id = response.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException("schema registry responded to the registration under subject " + subject
                    + " without an id: " + response);
        }
        final int schemaId = id.intValue();
        idsBySubjectAndSchema.put(cacheKey, schemaId);
        schemasById.putIfAbsent(schemaId, schema);
        return schemaId;
    }

    @Override
    public Schema schemaById(final int id) {
        final Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        final JsonNode response;
        try {
            response = send("GET", "/schemas/ids/" + id, null);
        } catch (final RegistryHttpException e) {
            if (e.status == 404) {
                throw new UnknownSchemaIdException(id);
            }
            throw e;
        }
        final JsonNode text = response.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("schema registry responded to schema id " + id + " without a schema");
        }
        final Schema schema = new Schema.Parser().parse(text.textValue());
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    private JsonNode send(final String method, final String path, final String body) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        final HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (final IOException e) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " is unreachable: " + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while calling the schema registry at " + baseUrl, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new RegistryHttpException(response.statusCode(),
                    "schema registry responded to " + method + " " + path + " with HTTP " + response.statusCode()
                            + ": " + response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (final IOException e) {
            throw new SchemaRegistryException("schema registry responded to " + method + " " + path
                    + " with a body that is not JSON", e);
        }
    }

    /** A non-2xx response, whose status lets the caller map it to a more specific error. */
    private static final class RegistryHttpException extends SchemaRegistryException {
        private final int status;

        RegistryHttpException(final int status, final String message) {
            super(message);
            this.status = status;
        }
    }
}
