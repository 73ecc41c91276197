package io.ragreactor.actuators.escalate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EscalationChannelsTest {

    @Test
    void shouldParseNamedWebhooksInOrder() {
        final Map<String, URI> channels = EscalationChannels.parse(
                "oncall-rag=https://hooks.example.org/T0/B1, tickets=http://127.0.0.1:8080/new");

        assertThat(channels.keySet()).containsExactly("oncall-rag", "tickets");
        assertThat(channels.get("tickets")).isEqualTo(URI.create("http://127.0.0.1:8080/new"));
    }

    @Test
    void shouldParseEmptyTextAsNoChannels() {
        assertThat(EscalationChannels.parse("")).isEmpty();
        assertThat(EscalationChannels.parse("  ")).isEmpty();
    }

    @Test
    void shouldRejectInvalidEntriesWithoutRepeatingUrls() {
        assertThat(EscalationChannels.problem("oncall")).isEqualTo("entry 1 is not name=url");
        assertThat(EscalationChannels.problem("On_Call=https://h.example.org/x"))
                .isEqualTo("channel name [On_Call] is not a DNS-1123 label");
        assertThat(EscalationChannels.problem("a=https://h.example.org/1,a=https://h.example.org/2"))
                .isEqualTo("channel a is configured twice");
        assertThat(EscalationChannels.problem("a=ftp://h.example.org/secret-token"))
                .isEqualTo("the URL of channel a is not an http or https URL with a host");
        assertThatThrownBy(() -> EscalationChannels.parse("a=ftp://h.example.org/secret-token"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("secret-token");
    }
}
