package io.ragreactor.podwatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodWatcherSettingsTest {

    private static final PodWatcherSettings DEFAULTS = PodWatcherSettings.forNamespace("rag-prod");

    @Test
    void shouldUseDocumentedDefaults() {
        assertThat(DEFAULTS.podSelector()).isEmpty();
        assertThat(DEFAULTS.readyDeadline()).isEqualTo(Duration.ofMinutes(10));
        assertThat(DEFAULTS.deadlineCheckInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(DEFAULTS.resyncPeriod()).isEqualTo(Duration.ofMinutes(5));
        assertThat(DEFAULTS.withResyncPeriod(Duration.ZERO).resyncPeriod()).isZero();
        assertThat(DEFAULTS.withPodSelector(Map.of("app.kubernetes.io/part-of", "rag")).podSelector())
                .containsExactly(Map.entry("app.kubernetes.io/part-of", "rag"));
    }

    @Test
    void shouldRejectInvalidNamespace() {
        assertThatThrownBy(() -> PodWatcherSettings.forNamespace("Rag_Prod"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("namespace")
                .hasMessageContaining("'Rag_Prod'");
        assertThatThrownBy(() -> PodWatcherSettings.forNamespace("rag-prod/../kube-system"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectInvalidSelector() {
        assertThatThrownBy(() -> DEFAULTS.withPodSelector(Map.of("app name", "rag")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'app name'");
        assertThatThrownBy(() -> DEFAULTS.withPodSelector(Map.of("app", "rag,tier=db")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'rag,tier=db'");
    }

    @Test
    void shouldRejectInvalidDurations() {
        assertThatThrownBy(() -> DEFAULTS.withReadyDeadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readyDeadline");
        assertThatThrownBy(() -> DEFAULTS.withDeadlineCheckInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deadlineCheckInterval");
        assertThatThrownBy(() -> DEFAULTS.withResyncPeriod(Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resyncPeriod");
    }
}
