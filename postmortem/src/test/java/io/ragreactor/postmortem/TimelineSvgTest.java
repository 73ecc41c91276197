package io.ragreactor.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class TimelineSvgTest {

    @Test
    void shouldDrawBarPerCommand() throws Exception {
        // Given shard-5's recovered incident
        final IncidentTimeline incident = single(new ShardFiveRecording());

        // When it is drawn
        final Document svg = parse(TimelineSvg.render(incident));

        // Then each command has one bar coloured by its outcome, in ladder order
        final List<Element> bars = elements(svg, "rect", "command");
        assertThat(bars).extracting(bar -> bar.getAttribute("data-command-id"))
                .containsExactlyElementsOf(ShardFiveRecording.LADDER.stream().map(ShardFiveRecording::commandId).toList());
        assertThat(bars).extracting(bar -> bar.getAttribute("fill")).containsExactly(
                TimelineSvg.STATUS_COLOURS.get("SUCCEEDED"), TimelineSvg.STATUS_COLOURS.get("FAILED"),
                TimelineSvg.STATUS_COLOURS.get("SUCCEEDED"), TimelineSvg.STATUS_COLOURS.get("SUCCEEDED"),
                TimelineSvg.STATUS_COLOURS.get("SUCCEEDED"), TimelineSvg.STATUS_COLOURS.get("SUCCEEDED"));

        // And the symptoms, the state bands, the axis labels and the detection and closure marks are there
        assertThat(elements(svg, "circle", "symptom")).hasSize(3);
        assertThat(elements(svg, "rect", "state")).extracting(band -> band.getAttribute("fill")).containsExactly(
                TimelineSvg.STATE_COLOURS.get(IncidentState.OPEN), TimelineSvg.STATE_COLOURS.get(IncidentState.RECOVERED));
        assertThat(elements(svg, "text", "tick-label")).extracting(Element::getTextContent)
                .hasSize(7).startsWith("09:13:00");
        assertThat(elements(svg, "g", "mark detection")).hasSize(1);
        assertThat(elements(svg, "g", "mark closure")).singleElement()
                .extracting(Element::getTextContent).asString().contains("closed by reactor");
        assertThat(elements(svg, "g", "mark escalation")).isEmpty();
    }

    @Test
    void shouldEscapeTextAndMarkEscalation() throws Exception {
        // Given an incident escalated after a reopen whose outcome detail contains markup and a control character
        final ShardFiveRecording recording = new ShardFiveRecording();
        final IncidentUpdate opened = recording.updates.get(0);
        final IncidentUpdate escalated = IncidentUpdate.newBuilder(opened)
                .setState(IncidentState.ESCALATED)
                .setUpdatedAt(opened.getUpdatedAt().plusSeconds(90))
                .setChange("escalated: reopen failed <exit 3> & \"no snapshot\" \u0001 left")
                .build();
        recording.updates.clear();
        recording.updates.add(opened);
        recording.updates.add(escalated);
        recording.commands.subList(2, recording.commands.size()).clear();
        recording.outcomes.subList(1, recording.outcomes.size()).clear();

        // When it is drawn
        final String text = TimelineSvg.render(single(recording));
        final Document svg = parse(text);

        // Then the document parses, keeps the text as written and marks the escalation, and the reopen has no outcome
        assertThat(elements(svg, "g", "mark escalation")).singleElement().extracting(Element::getTextContent)
                .asString().contains("reopen failed <exit 3> & \"no snapshot\"  left");
        assertThat(elements(svg, "g", "mark closure")).isEmpty();
        assertThat(elements(svg, "rect", "command")).extracting(bar -> bar.getAttribute("fill"))
                .containsExactly(TimelineSvg.STATUS_COLOURS.get("SUCCEEDED"), TimelineSvg.PENDING_COLOUR);
        assertThat(text).doesNotContain("<exit 3>");
    }

    private static IncidentTimeline single(final ShardFiveRecording recording) {
        final List<IncidentTimeline> incidents = IncidentRebuilder.rebuild(Recordings.records(recording));
        assertThat(incidents).hasSize(1);
        return incidents.get(0);
    }

    private static Document parse(final String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> elements(final Document document, final String tag, final String cssClass) {
        final NodeList nodes = document.getElementsByTagName(tag);
        final List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            final Element element = (Element) nodes.item(i);
            if (element.getAttribute("class").equals(cssClass)) {
                found.add(element);
            }
        }
        return found;
    }
}
