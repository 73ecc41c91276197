package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Checks the converters of durations and start points that the operator commands share. */
class OptionConvertersTest {

    @Test
    void parsesShortDurations() {
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationConverter.parse("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(DurationConverter.parse("2H")).isEqualTo(Duration.ofHours(2));
        assertThat(DurationConverter.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(DurationConverter.parse("PT90M")).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void rejectsBadDurations() {
        assertThatThrownBy(() -> DurationConverter.parse("0s"))
                .isInstanceOf(CommandLine.TypeConversionException.class).hasMessageContaining("longer than zero");
        assertThatThrownBy(() -> DurationConverter.parse("5 minutes"))
                .isInstanceOf(CommandLine.TypeConversionException.class).hasMessageContaining("'5 minutes'");
        assertThatThrownBy(() -> DurationConverter.parse("-PT5M"))
                .isInstanceOf(CommandLine.TypeConversionException.class);
    }

    @Test
    void resolvesStartPoints() {
        final StartPoint.Converter converter = new StartPoint.Converter();
        final Instant now = Instant.parse("2026-11-30T12:00:00Z");

        assertThat(converter.convert("2026-11-30T09:12:00Z").resolve(now)).isEqualTo(
                Instant.parse("2026-11-30T09:12:00Z"));
        assertThat(converter.convert("2026-11-30T10:12:00+01:00").resolve(now)).isEqualTo(
                Instant.parse("2026-11-30T09:12:00Z"));
        assertThat(converter.convert("15m").resolve(now)).isEqualTo(Instant.parse("2026-11-30T11:45:00Z"));
        assertThatThrownBy(() -> converter.convert("2026-11-30 09:12"))
                .isInstanceOf(CommandLine.TypeConversionException.class).hasMessageContaining("ISO-8601");
    }
}
