package io.ragreactor.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks of a recording's records before a replay. */
class RecordingTest {

    @Test
    void outcomeTombstoneIsRejected() {
        final List<TimedRecord<RecoveryOutcome>> outcomes = List.of(TimedRecord.of("rag-prod/vectorstore/shard-5",
                null, Instant.parse("2026-11-30T09:14:02Z")));

        assertThatThrownBy(() -> new Recording(List.of(), List.of(), outcomes, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("record 0 of the outcomes list (key rag-prod/vectorstore/shard-5) has no value; "
                        + "drop tombstones before the replay");
    }

    @Test
    void missingTimestampIsRejected() {
        assertThatThrownBy(() -> TimedRecord.of("key", "value", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("timestamp");
    }

    @Test
    void emptyRecordingHasNoEnd() {
        final Recording empty = new Recording(List.of(), List.of(), List.of(), List.of());

        assertThat(empty.end()).isNull();
        assertThat(ShadowReplay.of(RunbookLoader.loadDefault(Map.of())).replay(empty)
                .diff().isEmpty()).isTrue();
    }
}
