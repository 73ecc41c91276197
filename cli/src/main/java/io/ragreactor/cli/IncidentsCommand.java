package io.ragreactor.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists the open incidents and the recently closed ones from the latest update of each on rag.incidents. */
@Command(name = "incidents", mixinStandardHelpOptions = true,
        description = "Read rag.incidents whole and list the open and escalated incidents, then those closed"
                + " within --since: id, target, scenario, state, current step and attempt, and age (time since"
                + " detection).")
final class IncidentsCommand implements Callable<Integer> {

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--since", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "24h",
            description = "Also list incidents closed within this time before now, such as 30m, 24h or 7d"
                    + " (default: ${DEFAULT-VALUE}).")
    private Duration since;

    @Option(names = "--json",
            description = "Print each incident's latest update as one JSON object per line, with its age in"
                    + " seconds as ageSeconds, instead of a table.")
    private boolean json;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        final ClusterSettings settings = connection.settings();
        final PrintWriter out = spec.commandLine().getOut();
        final Map<String, IncidentUpdate> latest = TopicReader.readLatest(settings, settings.topics().incidents(),
                spec.commandLine().getErr());
        final Instant now = Instant.now();
        final List<IncidentUpdate> listed = select(latest.values(), now, since);
        if (json) {
            for (final IncidentUpdate update : listed) {
                final ObjectNode line = (ObjectNode) RecordJson.toJson(update);
                line.put("ageSeconds", Duration.between(update.getDetectedAt(), now).toSeconds());
                out.println(RecordJson.line(line));
            }
        } else if (listed.isEmpty()) {
            out.println("No open incidents, and none closed in the last " + RecordText.age(since) + ".");
        } else {
            printTable(listed, now, out);
        }
        out.flush();
        return CommandLine.ExitCode.OK;
    }

    /**
     * Returns the open and escalated incidents, oldest detection first, then those closed at or after
     * {@code now - since}, most recently closed first.
     */
    static List<IncidentUpdate> select(final Collection<IncidentUpdate> updates, final Instant now,
                                       final Duration since) {
        final Instant closedAfter = now.minus(since);
        final List<IncidentUpdate> open = new ArrayList<>();
        final List<IncidentUpdate> closed = new ArrayList<>();
        for (final IncidentUpdate update : updates) {
            if (isOpen(update)) {
                open.add(update);
            } else if (!closedAt(update).isBefore(closedAfter)) {
                closed.add(update);
            }
        }
        open.sort(Comparator.comparing(IncidentUpdate::getDetectedAt));
        closed.sort(Comparator.comparing(IncidentsCommand::closedAt).reversed());
        final List<IncidentUpdate> selected = new ArrayList<>(open);
        selected.addAll(closed);
        return selected;
    }

    /** Returns whether the incident still needs automation or a person: open, or escalated and waiting. */
    static boolean isOpen(final IncidentUpdate update) {
        return update.getState() == IncidentState.OPEN || update.getState() == IncidentState.ESCALATED;
    }

    /** Returns when a closed incident closed: its summary's time, else the time of its last update. */
    private static Instant closedAt(final IncidentUpdate update) {
        return update.getSummary() != null ? update.getSummary().getClosedAt() : update.getUpdatedAt();
    }

    private static void printTable(final List<IncidentUpdate> incidents, final Instant now, final PrintWriter out) {
        final List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "TARGET", "SCENARIO", "STATE", "STEP", "AGE"});
        for (final IncidentUpdate update : incidents) {
            rows.add(new String[] {update.getIncidentId(), update.getTarget(),
                update.getScenario().name().toLowerCase(Locale.ROOT).replace('_', '-'), update.getState().name(),
                update.getStep() + " #" + update.getAttempt(),
                RecordText.age(Duration.between(update.getDetectedAt(), now))});
        }
        final int[] widths = new int[rows.get(0).length];
        for (final String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (final String[] row : rows) {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + widths[i] + "s  ",
                        row[i]));
            }
            out.println(line);
        }
    }
}
