package io.ragreactor.cli;

import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.health.ContainerState;
import io.ragreactor.schemas.health.GoldenQueryResult;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.health.IndexIoError;
import io.ragreactor.schemas.health.PodStatus;
import io.ragreactor.schemas.health.ProviderError;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import io.ragreactor.schemas.topics.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the command, outcome and incident topics and prints one line per record as it arrives, so the
 * demo shows observation, detection, command and outcome as they happen. Each line shows the record's own
 * event time, so two lines written close together may appear a millisecond out of order. It also keeps
 * what it saw for the demo's final checks.
 */
final class Timeline implements AutoCloseable {

    /** Layout of a timeline line: time, kind, target, text. */
    static final String LINE = "%-12s %-9s %-32s %s%n";

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final Topics topics;
    private final PrintStream out;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<RecoveryCommand> commands = new CopyOnWriteArrayList<>();
    private final List<RecoveryOutcome> outcomes = new CopyOnWriteArrayList<>();
    private final Map<String, IncidentUpdate> latestIncidents = new ConcurrentHashMap<>();
    private final long sinceMillis;

    /**
     * Starts following the topics. Records older than {@code since} are skipped: a broker kept across runs
     * still contains the previous runs' records, and they must neither print nor count in the checks.
     */
    Timeline(final String bootstrapServers, final Topics topics, final PrintStream out, final Instant since) {
        this.topics = topics;
        this.out = out;
        this.sinceMillis = since.toEpochMilli();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "rag-reactor-demo-timeline",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics.commands().name(), topics.outcomes().name(), topics.incidents().name()));
        this.thread = new Thread(this::follow, "demo-timeline");
        thread.setDaemon(true);
        thread.start();
    }

    void observed(final HealthEvent event) {
        print(event.getObservedAt(), "observe", event.getTarget(), describe(event));
    }

    private void follow() {
        while (running.get()) {
            for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                if (record.timestamp() < sinceMillis) {
                    continue;
                }
                if (record.topic().equals(topics.commands().name())) {
                    onCommand(topics.commands().valueSerde().deserializer().deserialize(record.topic(), record.value()));
                } else if (record.topic().equals(topics.outcomes().name())) {
                    onOutcome(topics.outcomes().valueSerde().deserializer().deserialize(record.topic(), record.value()));
                } else if (record.value() != null) {
                    onIncident(topics.incidents().valueSerde().deserializer().deserialize(record.topic(), record.value()));
                }
            }
        }
        consumer.close();
    }

    private void onCommand(final RecoveryCommand command) {
        commands.add(command);
        print(command.getIssuedAt(), "command", command.getTarget(), command.getStep() + " #" + command.getAttempt()
                + " (" + command.getAction().getClass().getSimpleName() + ", deadline "
                + CLOCK.format(command.getDeadline()) + ")");
    }

    private void onOutcome(final RecoveryOutcome outcome) {
        outcomes.add(outcome);
        print(outcome.getFinishedAt(), "outcome", outcome.getTarget(), outcome.getStep() + " #" + outcome.getAttempt()
                + " " + outcome.getStatus() + " [simulated cluster]: " + outcome.getDetail());
        for (final Evidence evidence : outcome.getEvidence()) {
            highlight(evidence).ifPresent(text -> out.printf(Locale.ROOT, LINE, "", "", "", "  evidence "
                    + evidence.getKind() + " " + evidence.getSource() + ": " + text));
        }
    }

    private void onIncident(final IncidentUpdate update) {
        latestIncidents.put(update.getIncidentId(), update);
        final String change = update.getChange();
        if (change.startsWith("opened") || change.startsWith("recovered") || change.startsWith("escalated")
                || change.startsWith("removed")) {
            final String kind = change.startsWith("opened") ? "detect" : "incident";
            print(update.getUpdatedAt(), kind, update.getTarget(), update.getIncidentId() + " " + change);
        }
    }

    private synchronized void print(final Instant at, final String kind, final String target, final String text) {
        out.printf(Locale.ROOT, LINE, CLOCK.format(at), kind, target, text);
    }

    /** Waits until the incident of {@code target} is closed or escalated, and returns its last update. */
    Optional<IncidentUpdate> awaitClosed(final String target, final Duration timeout) throws InterruptedException {
        return awaitClosed(update -> update.getTarget().equals(target), timeout);
    }

    /**
     * Waits until an incident whose updates match {@code incident} is closed or escalated, and returns its last
     * update; of several such incidents, the one opened first.
     */
    Optional<IncidentUpdate> awaitClosed(final Predicate<IncidentUpdate> incident, final Duration timeout)
            throws InterruptedException {
        final long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            final Optional<IncidentUpdate> closed = latestIncidents.values().stream()
                    .filter(incident)
                    .filter(update -> update.getState() != IncidentState.OPEN)
                    .min(Comparator.comparing(IncidentUpdate::getDetectedAt));
            if (closed.isPresent()) {
                return closed;
            }
            Thread.sleep(100);
        }
        return Optional.empty();
    }

    /**
     * Waits until at least one incident whose updates match {@code incident} is seen, and returns the last
     * update of the one detected first, open or not.
     */
    Optional<IncidentUpdate> awaitFirst(final Predicate<IncidentUpdate> incident, final Duration timeout)
            throws InterruptedException {
        final long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            final Optional<IncidentUpdate> first = latestIncidents.values().stream()
                    .filter(incident)
                    .min(Comparator.comparing(IncidentUpdate::getDetectedAt));
            if (first.isPresent()) {
                return first;
            }
            Thread.sleep(100);
        }
        return Optional.empty();
    }

    /** Lists the last update of every incident seen so far, oldest detection first. */
    List<IncidentUpdate> incidents() {
        return latestIncidents.values().stream().sorted(Comparator.comparing(IncidentUpdate::getDetectedAt)).toList();
    }

    List<RecoveryCommand> commands() {
        return new ArrayList<>(commands);
    }

    List<RecoveryOutcome> outcomes() {
        return new ArrayList<>(outcomes);
    }

    private static String describe(final HealthEvent event) {
        if (event.getPayload() instanceof GoldenQueryResult result) {
            return "golden query " + result.getQid() + ": " + (result.getRetrieved().isEmpty() ? "no results"
                    : result.getRetrieved().size() + " result(s), best " + result.getRetrieved().get(0).getId() + " "
                    + result.getRetrieved().get(0).getScore());
        }
        if (event.getPayload() instanceof IndexIoError error) {
            return "index " + error.getKind().name().toLowerCase(Locale.ROOT) + " error in " + error.getSegment()
                    + " (pod " + error.getPodName() + ")";
        }
        if (event.getPayload() instanceof ProviderError error) {
            return error.getProvider() + " answered HTTP " + error.getHttpStatus()
                    + (error.getErrorType() == null ? "" : " " + error.getErrorType())
                    + (error.getRetryAfterSeconds() == null ? "" : ", Retry-After " + error.getRetryAfterSeconds() + " s");
        }
        if (event.getPayload() instanceof PodStatus pod) {
            return "pod " + pod.getPodName() + " " + pod.getPhase() + (pod.getReady() ? ", Ready" : ", not Ready")
                    + waiting(pod.getInitContainers(), "init container ") + waiting(pod.getContainers(), "container ");
        }
        return event.getPayload().getClass().getSimpleName();
    }

    /** Describes the containers that wait, for example {@code , init container migrate CrashLoopBackOff (4 restarts)}. */
    private static String waiting(final List<ContainerState> containers, final String label) {
        final StringBuilder text = new StringBuilder();
        for (final ContainerState container : containers) {
            if (container.getWaitingReason() != null) {
                text.append(", ").append(label).append(container.getName()).append(' ')
                        .append(container.getWaitingReason()).append(" (").append(container.getRestartCount())
                        .append(" restarts)");
            }
        }
        return text.toString();
    }

    /**
     * Returns the line of an outcome's evidence worth printing, if any: the chosen snapshot, an exit code, the
     * newest rollout of a workload, or the last error line of a captured log.
     */
    private static Optional<String> highlight(final Evidence evidence) {
        return switch (evidence.getKind()) {
            case "snapshot-choice", "exit-code", "recent-changes" -> Optional.of(firstLine(evidence.getText()));
            case "log" -> evidence.getText().lines().filter(line -> line.contains("ERROR")).reduce((first, last) -> last)
                    .map(String::strip);
            default -> Optional.empty();
        };
    }

    private static String firstLine(final String text) {
        final int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline) + " ...";
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }
}
