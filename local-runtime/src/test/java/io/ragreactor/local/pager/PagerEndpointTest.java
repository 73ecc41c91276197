package io.ragreactor.local.pager;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PagerEndpointTest {

    private static final String ESCALATION = """
            {"channel":"oncall-rag","severity":"page","summary":"configuration fault, not an outage",
             "incidentId":"inc-1","target":"rag-prod/generator/backup-llm","commandId":"c-1","dedupKey":"c-1",
             "evidence":[{"kind":"provider-error","source":"rag-api","text":"HTTP 401","truncated":false}]}
            """;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private PagerEndpoint pager;

    @BeforeEach
    void startPager() {
        pager = PagerEndpoint.start();
    }

    @AfterEach
    void stopPager() {
        pager.close();
    }

    @Test
    void shouldKeepOneEscalationPerDedupKey() throws Exception {
        // Given an escalation posted twice, as a re-delivered command posts it
        final int first = post(ESCALATION);
        final int second = post(ESCALATION);

        // Then both are accepted and the pager keeps one
        assertThat(first).isEqualTo(202);
        assertThat(second).isEqualTo(202);
        assertThat(pager.escalations()).singleElement().satisfies(escalation -> {
            assertThat(escalation.channel()).isEqualTo("oncall-rag");
            assertThat(escalation.target()).isEqualTo("rag-prod/generator/backup-llm");
            assertThat(escalation.evidenceCount()).isEqualTo(1);
        });
    }

    @Test
    void shouldRejectBodyThatIsNotAnEscalation() throws Exception {
        // When the body is not JSON, or JSON without a de-duplication key
        final int notJson = post("page me");
        final int noKey = post("{\"summary\":\"no key\"}");

        // Then both get a 400, so the sender's command fails, and nothing is kept
        assertThat(notJson).isEqualTo(400);
        assertThat(noKey).isEqualTo(400);
        assertThat(pager.escalations()).isEmpty();
    }

    private int post(final String body) throws IOException, InterruptedException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(pager.url()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
