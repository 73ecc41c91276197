package io.ragreactor.actuators.escalate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.actuators.execution.ActionHandler;
import io.ragreactor.actuators.execution.Evidences;
import io.ragreactor.actuators.execution.ExecutionContext;
import io.ragreactor.actuators.execution.GuardRejection;
import io.ragreactor.actuators.execution.Guards;
import io.ragreactor.actuators.execution.OutcomeReason;
import io.ragreactor.actuators.execution.StepResult;
import io.ragreactor.schemas.command.Escalate;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.common.WorkloadRef;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands an incident to a human. The command names a channel, and the actuators' configuration maps it to
 * a webhook URL. The escalation goes there as a JSON POST with the summary, the evidence and the command id
 * as a de-duplication key, so a receiver can drop a re-delivery. A channel that is not
 * configured gets the escalation logged at WARN, which is then the only record a human reads. When the command
 * names a workload to review, its recent rollouts are added to the evidence first ({@link RolloutHistory}).
 */
public final class EscalationHandler implements ActionHandler<Escalate> {

    /** Maximum wait for a channel's response; a command's earlier deadline shortens it. */
    static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(EscalationHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final Map<String, URI> channels;
    private final Optional<RolloutHistory> history;

    /** Creates a handler that does not read the cluster: a workload to review is noted, not described. */
    public EscalationHandler(final HttpClient http, final Map<String, URI> channels) {
        this(http, channels, Optional.empty());
    }

    /** Creates a handler that adds the recent rollouts of the workload a command names to review. */
    public EscalationHandler(final HttpClient http, final Map<String, URI> channels, final RolloutHistory history) {
        this(http, channels, Optional.of(history));
    }

    private EscalationHandler(final HttpClient http, final Map<String, URI> channels,
                              final Optional<RolloutHistory> history) {
        this.http = http;
        this.channels = Map.copyOf(channels);
        this.history = history;
    }

    @Override
    public Class<Escalate> actionType() {
        return Escalate.class;
    }

    @Override
    public void checkGuards(final Escalate action, final RecoveryCommand command, final Guards guards)
            throws GuardRejection {
        guards.parameter(action.getSummary() != null && !action.getSummary().isBlank(), "summary",
                action.getSummary(), "must not be empty");
        guards.dnsLabel("channel", action.getChannel());
    }

    @Override
    public StepResult execute(final Escalate command, final ExecutionContext context) {
        final Escalate action = withRecentChanges(command, context);
        final List<Evidence> record = new ArrayList<>();
        record.add(Evidences.of("escalation", "channel " + action.getChannel(), "severity " + action.getSeverity()
                + ": " + action.getSummary()));
        // The outcome keeps the rollout history too, so the incident's evidence has it without the channel.
        action.getEvidence().stream().filter(item -> item.getKind().equals(RolloutHistory.EVIDENCE_KIND))
                .forEach(record::add);
        final URI url = channels.get(action.getChannel());
        if (context.dryRun()) {
            context.recordCall((url == null ? "LOG" : "POST") + " escalation to channel " + action.getChannel());
            return StepResult.of(OutcomeReason.DRY_RUN, "dry run: would escalate to channel " + action.getChannel(),
                    record);
        }
        if (url == null) {
            return logOnly(action, context, record);
        }
        return deliver(action, context, url, record);
    }

    /** Returns the escalation with the recent rollouts of its workload to review added to its evidence. */
    private Escalate withRecentChanges(final Escalate action, final ExecutionContext context) {
        final WorkloadRef workload = action.getRecentChangesOf();
        if (workload == null) {
            return action;
        }
        final String namespace = action.getNamespace() == null ? "" : action.getNamespace();
        final Evidence changes = history
                .map(rollouts -> rollouts.describe(namespace, workload, context))
                .orElseGet(() -> Evidences.of(RolloutHistory.EVIDENCE_KIND, workload.getKind() + "/" + namespace + "/"
                        + workload.getName(), "not read: this actuator has no Kubernetes client"));
        final List<Evidence> evidence = new ArrayList<>(action.getEvidence());
        evidence.add(changes);
        return Escalate.newBuilder(action).setEvidence(evidence).build();
    }

    private StepResult deliver(final Escalate action, final ExecutionContext context, final URI url,
                               final List<Evidence> record) {
        final Duration untilDeadline = Duration.between(context.clock().instant(), context.command().getDeadline());
        final Duration timeout = untilDeadline.compareTo(MAX_REQUEST_TIMEOUT) < 0 && !untilDeadline.isNegative()
                && !untilDeadline.isZero() ? untilDeadline : MAX_REQUEST_TIMEOUT;
        final HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", context.commandId())
                .POST(HttpRequest.BodyPublishers.ofString(body(action, context.command()), StandardCharsets.UTF_8))
                .build();
        // The URL may carry a token, so calls and logs name the channel, never the URL.
        context.recordSideEffect("POST escalation to channel " + action.getChannel());
        try {
            final HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                LOG.info("Escalation delivered: channel=[{}] status=[{}] {}", action.getChannel(),
                        response.statusCode(), context);
                return StepResult.of(OutcomeReason.ESCALATION_DELIVERED, "escalation delivered to channel "
                        + action.getChannel() + " (HTTP " + response.statusCode() + "): " + action.getSummary(),
                        record);
            }
            LOG.warn("Escalation channel answered with an error: channel=[{}] status=[{}] {}", action.getChannel(),
                    response.statusCode(), context);
            return StepResult.of(OutcomeReason.CHANNEL_FAILED, "channel " + action.getChannel() + " answered HTTP "
                    + response.statusCode(), record);
        } catch (final IOException e) {
            LOG.warn("Escalation channel could not be reached: channel=[{}] error=[{}] {}", action.getChannel(),
                    e.getClass().getSimpleName(), context);
            return StepResult.of(OutcomeReason.CHANNEL_FAILED, "channel " + action.getChannel()
                    + " could not be reached: " + e.getClass().getSimpleName(), record);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return StepResult.of(OutcomeReason.CHANNEL_FAILED, "interrupted while posting to channel "
                    + action.getChannel(), record);
        }
    }

    private static StepResult logOnly(final Escalate action, final ExecutionContext context,
                                      final List<Evidence> record) {
        final String evidence = action.getEvidence().stream()
                .map(e -> e.getKind() + " from " + e.getSource() + ": " + e.getText())
                .collect(Collectors.joining(" | "));
        LOG.warn("Escalation to a human: channel=[{}] severity=[{}] summary=[{}] evidence=[{}] {}", action.getChannel(),
                action.getSeverity(), action.getSummary(), evidence, context);
        context.recordCall("LOG escalation at WARN (channel " + action.getChannel() + " is not configured)");
        return StepResult.of(OutcomeReason.ESCALATION_RECORDED, "escalation logged, because channel "
                + action.getChannel() + " is not configured: " + action.getSummary(), record);
    }

    /** Returns the JSON body of the escalation: what a pager, ticket or chat receiver needs. */
    static String body(final Escalate action, final RecoveryCommand command) {
        final ObjectNode body = JSON.createObjectNode();
        body.put("channel", action.getChannel());
        body.put("severity", action.getSeverity());
        body.put("summary", action.getSummary());
        body.put("incidentId", command.getIncidentId());
        body.put("target", command.getTarget());
        body.put("commandId", command.getCommandId());
        body.put("dedupKey", command.getCommandId());
        body.put("issuedAt", command.getIssuedAt().toString());
        final ArrayNode evidence = body.putArray("evidence");
        for (final Evidence item : action.getEvidence()) {
            evidence.addObject()
                    .put("kind", item.getKind())
                    .put("source", item.getSource())
                    .put("text", item.getText())
                    .put("truncated", item.getTruncated());
        }
        return body.toString();
    }
}
