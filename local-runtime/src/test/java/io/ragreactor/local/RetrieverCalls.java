package io.ragreactor.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Calls the retriever's debug endpoint as a golden-query prober does. */
public final class RetrieverCalls {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RetrieverCalls() {
    }

    /** A retrieved document. */
    public record Retrieved(String id, double score) {
    }

    /** A raw response: status and body. */
    public record RawResponse(int status, JsonNode body) {
    }

    /** Posts a body as-is. */
    public static RawResponse post(final String url, final String body) throws IOException, InterruptedException {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        return new RawResponse(response.statusCode(), JSON.readTree(response.body()));
    }

    /** Retrieves the top k documents of a shard, failing on any status but 200. */
    public static List<Retrieved> retrieve(final String url, final String qid, final String question, final String shard,
            final int k) throws IOException, InterruptedException {
        final String body = JSON.createObjectNode().put("qid", qid).put("q", question).put("shard", shard).put("k", k)
                .toString();
        final RawResponse response = post(url, body);
        if (response.status() != 200) {
            throw new IllegalStateException("retriever returned " + response.status() + ": " + response.body());
        }
        final List<Retrieved> retrieved = new ArrayList<>();
        for (final JsonNode document : response.body().get("retrieved")) {
            retrieved.add(new Retrieved(document.get("id").asText(), document.get("score").asDouble()));
        }
        return retrieved;
    }
}
