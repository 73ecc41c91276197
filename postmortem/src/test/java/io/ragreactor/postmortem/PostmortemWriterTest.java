package io.ragreactor.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostmortemWriterTest {

    @Test
    void shouldEscapeMarkdownInValues() {
        // Given an outcome whose detail and evidence contain Markdown markup
        final ShardFiveRecording recording = new ShardFiveRecording();
        final RecoveryOutcome reopen = recording.outcomes.get(1);
        reopen.setDetail("exit 3 | see *segment* _4f_ [x](y) <b>`cat`</b> # h\nnext ~line~ & more");
        recording.updates.remove(recording.updates.size() - 1);
        reopen.setEvidence(List.of(new Evidence("output", "pods/rag-prod/vectorstore-shard-5-0/vectorstore",
                "before\n```\n## not a heading\n```\nafter", false)));

        // When the postmortem is rendered
        final String markdown = render(recording);

        // Then the detail keeps its cell, each markup character has a backslash, the line break is a space
        assertThat(markdown).contains("| FAILED | non-zero-exit | exit 3 \\| see \\*segment\\* \\_4f\\_ \\[x\\](y)"
                + " \\<b\\>\\`cat\\`\\</b\\> \\# h next \\~line\\~ \\& more |");
        // And evidence text sits unchanged in a fence longer than its own backtick runs
        assertThat(markdown).contains("````text\nbefore\n```\n## not a heading\n```\nafter\n````\n");
    }

    @Test
    void shouldMarkHumanPartsAsBlanks() {
        final String markdown = render(new ShardFiveRecording());

        assertThat(markdown).contains("## Root cause\n\n**TO BE WRITTEN**\n");
        assertThat(markdown).contains("## Lessons\n\n**TO BE WRITTEN**\n");
        assertThat(markdown).contains("## Follow-up actions\n\n**TO BE WRITTEN**\n");
        assertThat(markdown).contains("| Action | Owner | Due |");
    }

    @Test
    void shouldLeaveOpenIncidentDurationsUnknown() {
        // Given the incident before its closing update
        final ShardFiveRecording recording = new ShardFiveRecording();
        final List<IncidentUpdate> updates = recording.updates;
        updates.remove(updates.size() - 1);

        // When the postmortem is rendered
        final String markdown = render(recording);

        // Then time to detect comes from the update, the other durations are unknown, and nothing claims closure
        assertThat(markdown).contains("| Time to detect | 1 min 0.004 s |");
        assertThat(markdown).contains("| Time to mitigate (first safe-mode step succeeded) | unknown |");
        assertThat(markdown).contains("| Time to recover (service restored) | unknown |");
        assertThat(markdown).contains("| Closed by | not closed in this range |");
        assertThat(markdown).contains("The incident was OPEN at the end of the range.");
        // And without a summary the evidence is that of every outcome
        assertThat(markdown).contains("### 3. snapshot-choice from s3://rag-prod-vectorstore-snapshots/snapshots/shard-5/");
    }

    @Test
    void shouldNameOperatorWhoResolved() {
        // Given an incident that an operator resolved
        final ShardFiveRecording recording = new ShardFiveRecording();
        final IncidentUpdate closing = recording.updates.get(recording.updates.size() - 1);
        closing.setState(io.ragreactor.schemas.incident.IncidentState.RESOLVED);
        closing.setChange("resolved by alice@example.com: restored by hand");
        closing.getSummary().setClosedBy("alice@example.com");

        // When the postmortem is rendered
        final String markdown = render(recording);

        // Then the closure names the operator
        assertThat(markdown).contains("| Closed by | alice@example.com |");
        assertThat(markdown).contains("- State: RESOLVED\n- Closed by: alice@example.com\n");
    }

    private static String render(final ShardFiveRecording recording) {
        final List<IncidentTimeline> incidents = IncidentRebuilder.rebuild(Recordings.records(recording));
        assertThat(incidents).hasSize(1);
        return PostmortemWriter.render(incidents.get(0), ShardFiveRecording.RANGE);
    }
}
