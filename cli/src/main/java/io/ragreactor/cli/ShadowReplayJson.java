package io.ragreactor.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ragreactor.postmortem.TopicRangeReader;
import io.ragreactor.postmortem.TopicRangeReader.BadRecord;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.shadow.CommandDiff;
import io.ragreactor.shadow.Recording;
import io.ragreactor.shadow.ShadowResult;
import java.util.List;

/** The {@code --json} output of {@code shadow-replay}: one object with the counts and every difference. */
final class ShadowReplayJson {

    private ShadowReplayJson() {
    }

    /**
     * Returns the object: the range, the runbook, the recorded counts, the bad records, the replay's counts and
     * the differences, each with its kind ({@code ONLY_RECORDED}, {@code ONLY_SHADOW} or {@code CHANGED}).
     */
    static ObjectNode of(final TopicRangeReader.Range range, final Runbook runbook, final RecordedRange recorded,
                         final List<BadRecord> badRecords, final ShadowResult result) {
        final ObjectNode json = RecordJson.object();
        json.put("from", range.from().toString());
        json.put("to", range.to().toString());
        json.put("runbookVersion", runbook.version());
        json.put("runbookSource", runbook.source());

        final Recording recording = recorded.recording();
        final ObjectNode counts = json.putObject("recorded");
        counts.put("health", recording.health().size());
        counts.put("control", recording.control().size());
        counts.put("outcomes", recording.outcomes().size());
        counts.put("commands", recording.commands().size());
        counts.put("droppedOutcomeTombstones", recorded.droppedOutcomeTombstones());
        counts.put("droppedCommandTombstones", recorded.droppedCommandTombstones());
        final ArrayNode bad = json.putArray("badRecords");
        for (final BadRecord record : badRecords) {
            bad.addObject()
                    .put("topic", record.topic())
                    .put("partition", record.partition())
                    .put("offset", record.offset())
                    .put("timestamp", record.timestamp().toString())
                    .put("reason", record.reason());
        }

        json.put("inputsReplayed", result.inputsReplayed());
        json.put("outcomesFed", result.outcomesFed());
        json.put("shadowCommands", result.commands().size());
        json.set("unansweredCommandIds", RecordJson.toJson(result.unansweredCommandIds()));
        json.set("unusedOutcomeCommandIds", RecordJson.toJson(result.unusedOutcomeCommandIds()));
        json.put("deadLettered", result.deadLettered());
        json.put("summary", result.diff().summary());
        final ArrayNode differences = json.putArray("differences");
        for (final CommandDiff.Difference difference : result.diff().differences()) {
            final ObjectNode item = differences.addObject();
            item.put("kind", difference.kind().name());
            item.put("at", difference.at().toString());
            item.put("target", difference.target());
            item.put("commandId", difference.commandId());
            item.set("changes", RecordJson.toJson(difference.changes()));
            item.set("recorded", RecordJson.toJson(difference.recorded()));
            item.set("shadow", RecordJson.toJson(difference.shadow()));
        }
        return json;
    }
}
