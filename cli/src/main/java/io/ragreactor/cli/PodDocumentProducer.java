package io.ragreactor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesIngress;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.ingress.PodStatusMapper;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.health.HealthEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Produces the pods of one JSON document, as {@code kubectl get pod NAME -o json} (one pod) or
 * {@code kubectl get pods -o json} (a list) prints it, one health event per pod. Every pod is observed at the
 * time the document is read, as a pod watcher receives them. A pod that cannot be mapped is dead-lettered with
 * its item number, and the others are still produced.
 */
final class PodDocumentProducer {

    /** JSON reader that fails on text after the document, so two documents run together are rejected. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final PodStatusMapper mapper;
    private final HealthEventPublisher publisher;

    PodDocumentProducer(final PodStatusMapper mapper, final HealthEventPublisher publisher) {
        this.mapper = mapper;
        this.publisher = publisher;
    }

    /** Produces the pods of {@code document}, read from {@code sourceName}, and returns the counts. */
    JsonLinesIngress.Summary run(final String document, final String sourceName, final Instant observedAt,
                                 final JsonLinesIngress.Listener listener) {
        if (document.isBlank()) {
            return new JsonLinesIngress.Summary(0, 0, 0);
        }
        final JsonNode root;
        try {
            root = JSON.readTree(document);
        } catch (final JsonProcessingException e) {
            return deadLetterDocument(document, sourceName, listener, "input is not one JSON document: "
                    + e.getOriginalMessage());
        }
        final List<JsonNode> pods = new ArrayList<>();
        if (root.path("items").isArray()) {
            root.path("items").forEach(pods::add);
        } else if (root.isObject()) {
            pods.add(root);
        } else {
            return deadLetterDocument(document, sourceName, listener, "input is neither a pod nor a list of pods (an"
                    + " object with an items array)");
        }

        long published = 0;
        long deadLettered = 0;
        for (int i = 0; i < pods.size(); i++) {
            final long itemNumber = i + 1;
            final JsonNode pod = pods.get(i);
            final Optional<ParsedLine.Rejected> rejected;
            HealthEvent event = null;
            try {
                event = mapper.map(pod, observedAt);
                rejected = TargetCheckingParser.invalidTarget(event.getTarget());
            } catch (final IllegalArgumentException e) {
                deadLettered++;
                deadLetter(pod.toString(), sourceName, itemNumber, listener,
                        new ParsedLine.Rejected(DeadLetterReason.UNPARSEABLE_INPUT, e.getMessage()));
                continue;
            }
            if (rejected.isPresent()) {
                deadLettered++;
                deadLetter(pod.toString(), sourceName, itemNumber, listener, rejected.get());
                continue;
            }
            publisher.publish(event);
            listener.published(event);
            published++;
        }
        return new JsonLinesIngress.Summary(published, 0, deadLettered);
    }

    private JsonLinesIngress.Summary deadLetterDocument(final String document, final String sourceName,
                                                        final JsonLinesIngress.Listener listener, final String message) {
        deadLetter(document, sourceName, 1, listener, new ParsedLine.Rejected(DeadLetterReason.UNPARSEABLE_INPUT,
                message));
        return new JsonLinesIngress.Summary(0, 0, 1);
    }

    private void deadLetter(final String text, final String sourceName, final long itemNumber,
                            final JsonLinesIngress.Listener listener, final ParsedLine.Rejected rejected) {
        publisher.deadLetter(sourceName, itemNumber, text, rejected.reason(), rejected.message());
        listener.deadLettered(itemNumber, rejected);
    }
}
