package io.ragreactor.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FormatsTest {

    @Test
    void fileStemKeepsSafeIds() {
        assertThat(Formats.fileStem("inc-5c0d7e2a91b3f486")).isEqualTo("inc-5c0d7e2a91b3f486");
    }

    @Test
    void fileStemRemovesPathParts() {
        assertThat(Formats.fileStem("../../etc/passwd")).isEqualTo("_._.._etc_passwd");
        assertThat(Formats.fileStem("a b\\c:d")).isEqualTo("a_b_c_d");
        assertThat(Formats.fileStem("")).isEqualTo("incident");
        assertThat(Formats.fileStem("x".repeat(300))).hasSize(100);
    }

    @Test
    void durationUsesLargestUnits() {
        assertThat(Formats.duration(Duration.ofMillis(397))).isEqualTo("397 ms");
        assertThat(Formats.duration(Duration.ofMillis(30_792))).isEqualTo("30.792 s");
        assertThat(Formats.duration(Duration.ofMillis(91_673))).isEqualTo("1 min 31.673 s");
        assertThat(Formats.duration(Duration.ofMillis(3_725_005))).isEqualTo("1 h 2 min 5.005 s");
    }
}
