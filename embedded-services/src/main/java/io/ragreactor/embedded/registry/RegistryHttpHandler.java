package io.ragreactor.embedded.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes the Confluent schema registry REST endpoints that this project's clients use onto a {@link SchemaStore}
 * and returns Confluent's JSON shapes and error codes.
 */
final class RegistryHttpHandler implements HttpHandler {

    /** Media type of the Confluent schema registry API, version 1. */
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger LOG = LoggerFactory.getLogger(RegistryHttpHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUBJECTS = "subjects";
    private static final String VERSIONS = "versions";

    private final SchemaStore store;

    RegistryHttpHandler(final SchemaStore store) {
        this.store = store;
    }

    @Override
    public void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            JsonNode body;
            try {
                body = route(exchange.getRequestMethod(), segments(exchange.getRequestURI().getRawPath()), exchange);
            } catch (final RegistryException e) {
                if (e.error().httpStatus() >= 500) {
                    LOG.warn("Schema registry request failed: {} {}: {}", exchange.getRequestMethod(),
                            exchange.getRequestURI(), e.getMessage());
                }
                status = e.error().httpStatus();
                body = errorBody(e.error(), e.getMessage());
            } catch (final RuntimeException e) {
                LOG.error("Schema registry request failed unexpectedly: {} {}", exchange.getRequestMethod(),
                        exchange.getRequestURI(), e);
                status = RegistryError.INTERNAL_ERROR.httpStatus();
                body = errorBody(RegistryError.INTERNAL_ERROR, "Internal Server Error: " + e);
            }
            final byte[] bytes = JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private JsonNode route(final String method, final List<String> path, final HttpExchange exchange) {
        final int size = path.size();
        if (size == 1 && path.get(0).equals("config")) {
            requireMethod(method, "GET");
            return JSON.createObjectNode().put("compatibilityLevel", "BACKWARD");
        }
        if (size == 3 && path.get(0).equals("schemas") && path.get(1).equals("ids")) {
            requireMethod(method, "GET");
            return schemaById(path.get(2));
        }
        if (size >= 1 && path.get(0).equals(SUBJECTS)) {
            return routeSubjects(method, path, exchange);
        }
        throw new RegistryException(RegistryError.NOT_FOUND, "HTTP 404 Not Found");
    }

    private JsonNode routeSubjects(final String method, final List<String> path, final HttpExchange exchange) {
        final int size = path.size();
        if (size == 1) {
            requireMethod(method, "GET");
            final ArrayNode subjects = JSON.createArrayNode();
            store.subjects().forEach(subjects::add);
            return subjects;
        }
        final String subject = path.get(1);
        if (size == 2) {
            requireMethod(method, "POST");
            return lookup(subject, readSchema(exchange));
        }
        if (size == 3 && path.get(2).equals(VERSIONS)) {
            if (method.equals("POST")) {
                return register(subject, readSchema(exchange));
            }
            requireMethod(method, "GET");
            final ArrayNode versions = JSON.createArrayNode();
            requireVersions(subject).forEach(version -> versions.add(version.version()));
            return versions;
        }
        if (size == 4 && path.get(2).equals(VERSIONS)) {
            requireMethod(method, "GET");
            return versionBody(version(subject, path.get(3)));
        }
        throw new RegistryException(RegistryError.NOT_FOUND, "HTTP 404 Not Found");
    }

    private JsonNode register(final String subject, final String schema) {
        return JSON.createObjectNode().put("id", store.register(subject, schema));
    }

    private JsonNode lookup(final String subject, final String schema) {
        if (!store.hasSubject(subject)) {
            throw subjectNotFound(subject);
        }
        return versionBody(store.lookup(subject, schema)
                .orElseThrow(() -> new RegistryException(RegistryError.SCHEMA_NOT_FOUND, "Schema not found")));
    }

    private JsonNode schemaById(final String idText) {
        final int id;
        try {
            id = Integer.parseInt(idText);
        } catch (final NumberFormatException e) {
            throw new RegistryException(RegistryError.SCHEMA_NOT_FOUND, "Schema " + idText + " not found");
        }
        final String schema = store.schemaById(id)
                .orElseThrow(() -> new RegistryException(RegistryError.SCHEMA_NOT_FOUND, "Schema " + id + " not found"));
        return JSON.createObjectNode().put("schema", schema);
    }

    private SchemaStore.SubjectVersion version(final String subject, final String versionText) {
        final List<SchemaStore.SubjectVersion> versions = requireVersions(subject);
        // Confluent accepts "latest" and -1 for the newest version.
        if (versionText.equals("latest") || versionText.equals("-1")) {
            return versions.get(versions.size() - 1);
        }
        final int number;
        try {
            number = Integer.parseInt(versionText);
        } catch (final NumberFormatException e) {
            throw invalidVersion(versionText);
        }
        if (number < 1) {
            throw invalidVersion(versionText);
        }
        return versions.stream().filter(version -> version.version() == number).findFirst()
                .orElseThrow(() -> new RegistryException(RegistryError.VERSION_NOT_FOUND,
                        "Version " + number + " not found."));
    }

    private List<SchemaStore.SubjectVersion> requireVersions(final String subject) {
        return store.versions(subject).orElseThrow(() -> subjectNotFound(subject));
    }

    /**
     * Reads the request's {@code schema}, validates it by parsing it with Avro, and returns the parsed schema's
     * canonical JSON, so the same schema written with other whitespace finds the same id.
     */
    private static String readSchema(final HttpExchange exchange) {
        final JsonNode request;
        try (InputStream in = exchange.getRequestBody()) {
            request = JSON.readTree(in);
        } catch (final IOException e) {
            throw new RegistryException(RegistryError.MALFORMED_REQUEST, "Request body is not valid JSON: "
                    + e.getMessage(), e);
        }
        if (request == null || !request.isObject()) {
            throw new RegistryException(RegistryError.MALFORMED_REQUEST,
                    "Request body must be a JSON object with a \"schema\" field");
        }
        final String schemaType = request.path("schemaType").asText("AVRO");
        if (!schemaType.toUpperCase(Locale.ROOT).equals("AVRO")) {
            throw new RegistryException(RegistryError.INVALID_SCHEMA, "Schema type " + schemaType
                    + " is not supported; this registry stores AVRO schemas only");
        }
        final JsonNode references = request.path("references");
        if (references.isArray() && !references.isEmpty()) {
            throw new RegistryException(RegistryError.INVALID_SCHEMA,
                    "Schema references are not supported by this registry");
        }
        final JsonNode text = request.get("schema");
        if (text == null || !text.isTextual() || text.textValue().isBlank()) {
            throw new RegistryException(RegistryError.INVALID_SCHEMA, "Empty schema");
        }
        try {
            return new Schema.Parser().parse(text.textValue()).toString();
        } catch (final RuntimeException e) {
            throw new RegistryException(RegistryError.INVALID_SCHEMA, "Invalid schema of type AVRO: " + e.getMessage(), e);
        }
    }

    private static JsonNode versionBody(final SchemaStore.SubjectVersion version) {
        return JSON.createObjectNode()
                .put("subject", version.subject())
                .put("version", version.version())
                .put("id", version.id())
                .put("schema", version.schema());
    }

    private static void requireMethod(final String method, final String expected) {
        if (!method.equals(expected)) {
            throw new RegistryException(RegistryError.METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed");
        }
    }

    private static RegistryException subjectNotFound(final String subject) {
        return new RegistryException(RegistryError.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    private static RegistryException invalidVersion(final String versionText) {
        return new RegistryException(RegistryError.INVALID_VERSION, "The specified version '" + versionText
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    private static ObjectNode errorBody(final RegistryError error, final String message) {
        return JSON.createObjectNode().put("error_code", error.errorCode()).put("message", message);
    }

    /** Splits the raw path into decoded segments; the client encodes subjects with {@link java.net.URLEncoder}. */
    private static List<String> segments(final String rawPath) {
        final List<String> segments = new ArrayList<>();
        for (final String raw : rawPath.split("/")) {
            if (raw.isEmpty()) {
                continue;
            }
            try {
                segments.add(URLDecoder.decode(raw, StandardCharsets.UTF_8));
            } catch (final IllegalArgumentException e) {
                throw new RegistryException(RegistryError.MALFORMED_REQUEST, "Invalid percent-encoding in path segment '"
                        + raw + "'", e);
            }
        }
        return segments;
    }
}
