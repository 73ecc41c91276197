package io.ragreactor.postmortem;

import static io.ragreactor.postmortem.Formats.xml;

import io.ragreactor.postmortem.IncidentTimeline.CommandRun;
import io.ragreactor.postmortem.IncidentTimeline.StateChange;
import io.ragreactor.postmortem.IncidentTimeline.Symptom;
import io.ragreactor.schemas.incident.IncidentState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws an {@link IncidentTimeline} as a standalone SVG image: a time axis, the symptoms, one band per
 * incident state, one bar per command coloured by its outcome, and marks for detection, escalation and
 * closure, with a legend. Every bar and mark has a {@code title} that a browser shows on hover.
 */
public final class TimelineSvg {

    /** Bar colours by outcome status; a command without an outcome is {@link #PENDING_COLOUR}. */
    static final Map<String, String> STATUS_COLOURS = Map.of(
            "SUCCEEDED", "#2e7d32",
            "FAILED", "#c62828",
            "TIMED_OUT", "#ef6c00",
            "REJECTED_BY_GUARD", "#6a1b9a");
    static final String PENDING_COLOUR = "#9e9e9e";
    static final Map<IncidentState, String> STATE_COLOURS = Map.of(
            IncidentState.OPEN, "#fff3c4",
            IncidentState.ESCALATED, "#ffcdd2",
            IncidentState.RECOVERED, "#c8e6c9",
            IncidentState.RESOLVED, "#bbdefb",
            IncidentState.REMOVED, "#e0e0e0");

    private static final List<String> STATUS_ORDER = List.of("SUCCEEDED", "FAILED", "TIMED_OUT", "REJECTED_BY_GUARD");
    private static final int WIDTH = 1000;
    private static final int LEFT = 180;
    private static final int RIGHT = 40;
    private static final int TOP = 40;
    private static final int LANE = 24;
    private static final int TICKS = 6;

    private TimelineSvg() {
    }

    /** Writes the SVG of {@code incident} to {@code file} as UTF-8, replacing the file. */
    public static void write(final IncidentTimeline incident, final Path file) throws IOException {
        Files.writeString(file, render(incident), StandardCharsets.UTF_8);
    }

    /** Renders the SVG of {@code incident}. */
    public static String render(final IncidentTimeline incident) {
        final Instant start = incident.start();
        final Instant last = incident.end().isAfter(start) ? incident.end() : start.plusSeconds(1);
        // A margin after the last event keeps the final state's band and the closure mark visible.
        final Scale scale = new Scale(start, last.plus(Duration.between(start, last).dividedBy(20)));
        final int commandsTop = TOP + 2 * LANE;
        final int axisY = commandsTop + Math.max(1, incident.commands().size()) * LANE + 8;
        final int legendY = axisY + 44;
        final int height = legendY + 2 * LANE + 8;

        final StringBuilder out = new StringBuilder(8_192);
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        text(out, 10, 22, "font-size=\"15\" font-weight=\"bold\"", incident.incidentId() + " on " + incident.target()
                + " (" + incident.scenario().name() + ", " + incident.state().name() + ")");

        stateBands(out, incident, scale, TOP);
        symptoms(out, incident, scale, TOP + LANE);
        commands(out, incident, scale, commandsTop);
        axis(out, scale, TOP, axisY);
        marks(out, incident, scale, TOP, axisY);
        legend(out, legendY);
        out.append("</svg>\n");
        return out.toString();
    }

    /** Maps times to x coordinates of the plot between {@link #LEFT} and the right margin. */
    private record Scale(Instant start, Instant end) {

        double x(final Instant at) {
            final double span = Duration.between(start, end).toMillis();
            final double offset = Duration.between(start, at).toMillis();
            return LEFT + Math.max(0, Math.min(1, offset / span)) * (WIDTH - LEFT - RIGHT);
        }
    }

    private static void stateBands(final StringBuilder out, final IncidentTimeline incident, final Scale scale,
                                   final int y) {
        text(out, 10, y + 16, "", "incident state");
        final List<StateChange> changes = new ArrayList<>();
        for (final StateChange change : incident.stateChanges()) {
            if (changes.isEmpty() || changes.get(changes.size() - 1).state() != change.state()) {
                changes.add(change);
            }
        }
        for (int i = 0; i < changes.size(); i++) {
            final StateChange change = changes.get(i);
            final Instant until = i + 1 < changes.size() ? changes.get(i + 1).at() : scale.end();
            final double x = scale.x(change.at());
            final double width = Math.max(2, scale.x(until) - x);
            out.append("<rect class=\"state\" x=\"").append(number(x)).append("\" y=\"").append(y + 4)
                    .append("\" width=\"").append(number(width)).append("\" height=\"").append(LANE - 8)
                    .append("\" fill=\"").append(STATE_COLOURS.get(change.state())).append("\" stroke=\"#757575\">")
                    .append("<title>").append(xml(change.state().name() + " from " + Formats.dateTime(change.at())
                            + ": " + change.change())).append("</title></rect>\n");
            text(out, x + 4, y + 16, "font-size=\"10\"", change.state().name());
        }
    }

    private static void symptoms(final StringBuilder out, final IncidentTimeline incident, final Scale scale,
                                 final int y) {
        text(out, 10, y + 16, "", "symptoms (" + incident.symptoms().size() + ")");
        for (final Symptom symptom : incident.symptoms()) {
            out.append("<circle class=\"symptom\" cx=\"").append(number(scale.x(symptom.observedAt()))).append("\" cy=\"")
                    .append(y + LANE / 2).append("\" r=\"5\" fill=\"#ff8f00\" stroke=\"#5d4037\"><title>")
                    .append(xml(Formats.dateTime(symptom.observedAt()) + " " + symptom.eventId() + ": "
                            + symptom.description()))
                    .append("</title></circle>\n");
        }
    }

    private static void commands(final StringBuilder out, final IncidentTimeline incident, final Scale scale,
                                 final int top) {
        int y = top;
        for (final CommandRun run : incident.commands()) {
            text(out, 10, y + 16, "", run.step() + " #" + run.attempt());
            final double x = scale.x(run.issuedAt());
            final double width = Math.max(3, scale.x(run.finishedAt().orElse(scale.end())) - x);
            final String colour = run.status().map(STATUS_COLOURS::get).orElse(PENDING_COLOUR);
            out.append("<rect class=\"command\" data-command-id=\"").append(xml(run.commandId())).append("\" x=\"")
                    .append(number(x)).append("\" y=\"").append(y + 4).append("\" width=\"").append(number(width))
                    .append("\" height=\"").append(LANE - 8).append("\" fill=\"")
                    .append(colour == null ? PENDING_COLOUR : colour).append("\"><title>")
                    .append(xml(run.commandId() + ": " + run.status().orElse("no outcome")
                            + run.duration().map(d -> " after " + Formats.duration(d)).orElse("")
                            + (run.detail().isEmpty() ? "" : ", " + run.detail())))
                    .append("</title></rect>\n");
            y += LANE;
        }
    }

    private static void axis(final StringBuilder out, final Scale scale, final int top, final int y) {
        final long spanMs = Duration.between(scale.start(), scale.end()).toMillis();
        final DateTimeFormatter format = DateTimeFormatter.ofPattern(spanMs < TICKS * 1_000L ? "HH:mm:ss.SSS"
                : "HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);
        out.append("<line class=\"axis\" x1=\"").append(LEFT).append("\" y1=\"").append(y).append("\" x2=\"")
                .append(WIDTH - RIGHT).append("\" y2=\"").append(y).append("\" stroke=\"#212121\"/>\n");
        for (int i = 0; i <= TICKS; i++) {
            final Instant at = scale.start().plusMillis(spanMs * i / TICKS);
            final double x = scale.x(at);
            out.append("<line class=\"tick\" x1=\"").append(number(x)).append("\" y1=\"").append(top)
                    .append("\" x2=\"").append(number(x)).append("\" y2=\"").append(y + 5)
                    .append("\" stroke=\"#e0e0e0\"/>\n");
            out.append("<text class=\"tick-label\" x=\"").append(number(x)).append("\" y=\"").append(y + 18)
                    .append("\" text-anchor=\"middle\">").append(xml(format.format(at))).append("</text>\n");
        }
        text(out, WIDTH - RIGHT, y + 34, "text-anchor=\"end\" fill=\"#616161\"", "time (UTC)");
    }

    private static void marks(final StringBuilder out, final IncidentTimeline incident, final Scale scale,
                              final int top, final int bottom) {
        mark(out, "detection", scale.x(incident.detectedAt()), top, bottom, "#1565c0", "detected",
                "detected at " + Formats.dateTime(incident.detectedAt()));
        IncidentState previous = null;
        for (final StateChange change : incident.stateChanges()) {
            if (change.state() == IncidentState.ESCALATED && previous != IncidentState.ESCALATED) {
                mark(out, "escalation", scale.x(change.at()), top, bottom, "#b71c1c", "escalated",
                        "escalated at " + Formats.dateTime(change.at()) + ": " + change.change());
            }
            previous = change.state();
        }
        incident.closure().ifPresent(closure -> mark(out, "closure", scale.x(closure.closedAt()), top, bottom,
                "#000000", "closed by " + closure.closedBy(), closure.state().name() + " at "
                        + Formats.dateTime(closure.closedAt()) + ": " + closure.change()));
    }

    private static void mark(final StringBuilder out, final String kind, final double x, final int top,
                             final int bottom, final String colour, final String label, final String title) {
        out.append("<g class=\"mark ").append(kind).append("\"><title>").append(xml(title)).append("</title>")
                .append("<line x1=\"").append(number(x)).append("\" y1=\"").append(top).append("\" x2=\"")
                .append(number(x)).append("\" y2=\"").append(bottom).append("\" stroke=\"").append(colour)
                .append("\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/>");
        final boolean nearRight = x > WIDTH - RIGHT - 120;
        out.append("<text x=\"").append(number(nearRight ? x - 3 : x + 3)).append("\" y=\"").append(top - 4)
                .append("\" font-size=\"10\" fill=\"").append(colour).append('"')
                .append(nearRight ? " text-anchor=\"end\"" : "").append('>').append(xml(label)).append("</text></g>\n");
    }

    private static void legend(final StringBuilder out, final int y) {
        text(out, 10, y + 12, "font-weight=\"bold\"", "command outcome");
        double x = LEFT;
        for (final String status : STATUS_ORDER) {
            x = swatch(out, x, y, STATUS_COLOURS.get(status), status);
        }
        swatch(out, x, y, PENDING_COLOUR, "no outcome");
        text(out, 10, y + LANE + 12, "font-weight=\"bold\"", "incident state");
        x = LEFT;
        for (final IncidentState state : IncidentState.values()) {
            x = swatch(out, x, y + LANE, STATE_COLOURS.get(state), state.name());
        }
    }

    /** Draws one legend entry at {@code x} and returns the x of the next one. */
    private static double swatch(final StringBuilder out, final double x, final int y, final String colour,
                                 final String label) {
        out.append("<rect class=\"legend\" x=\"").append(number(x)).append("\" y=\"").append(y + 2)
                .append("\" width=\"14\" height=\"12\" fill=\"").append(colour).append("\" stroke=\"#757575\"/>\n");
        text(out, x + 18, y + 12, "", label);
        // About 8.5 px per character: the labels are upper case at 12 px, wider than average text.
        return x + 26 + label.length() * 8.5;
    }

    private static void text(final StringBuilder out, final double x, final double y, final String attributes,
                             final String value) {
        out.append("<text x=\"").append(number(x)).append("\" y=\"").append(number(y)).append('"')
                .append(attributes.isEmpty() ? "" : " " + attributes).append('>').append(xml(value)).append("</text>\n");
    }

    private static String number(final double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
