package io.ragreactor.ingress;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Reading bounded request bodies and writing small JSON responses on the JDK's HTTP server. */
final class HttpExchanges {

    /** Thrown when a request body is larger than the receiver accepts. */
    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(final String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpExchanges() {
    }

    /**
     * Reads the request body as UTF-8, at most {@code maxBytes}.
     *
     * @throws BodyTooLargeException when the Content-Length or the body read so far exceeds {@code maxBytes}
     */
    static String readBody(final HttpExchange exchange, final int maxBytes) throws IOException {
        final String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > maxBytes) {
                    throw new BodyTooLargeException("body of " + declared.trim() + " bytes exceeds the limit of "
                            + maxBytes + " bytes");
                }
            } catch (final NumberFormatException e) {
                // The JDK's server rejects an invalid Content-Length itself. Reading with the limit bounds the body anyway.
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            final byte[] body = in.readNBytes(maxBytes + 1);
            if (body.length > maxBytes) {
                throw new BodyTooLargeException("body exceeds the limit of " + maxBytes + " bytes");
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Sends {@code status} with a JSON object of {@code fields} and closes the exchange. */
    static void respond(final HttpExchange exchange, final int status, final Map<String, ?> fields) throws IOException {
        final ObjectNode json = JSON.createObjectNode();
        fields.forEach((name, value) -> json.set(name, JSON.valueToTree(value)));
        final byte[] body = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Sends {@code status} with {@code {"error": message}} and closes the exchange. */
    static void error(final HttpExchange exchange, final int status, final String message) throws IOException {
        respond(exchange, status, Map.of("error", message));
    }

    /**
     * Returns true when the request is a POST to {@code path}. Otherwise it sends 404 for another path or 405 for
     * another method and returns false.
     */
    static boolean isPostTo(final HttpExchange exchange, final String path) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(path)) {
            error(exchange, 404, "no resource at " + exchange.getRequestURI().getPath());
            return false;
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            methodNotAllowed(exchange, "POST");
            return false;
        }
        return true;
    }

    /** Sends 405 naming the one allowed method. */
    static void methodNotAllowed(final HttpExchange exchange, final String allowed) throws IOException {
        exchange.getResponseHeaders().set("Allow", allowed);
        error(exchange, 405, "method " + exchange.getRequestMethod() + " is not allowed; use " + allowed);
    }
}
