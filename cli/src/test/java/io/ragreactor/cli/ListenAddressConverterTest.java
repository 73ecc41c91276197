package io.ragreactor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Checks the HOST:PORT converter of the ingress and local commands' --listen option. */
class ListenAddressConverterTest {

    private final ListenAddressConverter converter = new ListenAddressConverter();

    @Test
    void parsesHostAndPort() {
        final InetSocketAddress loopback = converter.convert("127.0.0.1:9095");
        assertThat(loopback.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(loopback.getPort()).isEqualTo(9095);

        final InetSocketAddress any = converter.convert("0.0.0.0:0");
        assertThat(any.getAddress().isAnyLocalAddress()).isTrue();
        assertThat(any.getPort()).isZero();

        final InetSocketAddress ipv6 = converter.convert("[::1]:9095");
        assertThat(ipv6.getAddress().isLoopbackAddress()).isTrue();
        assertThat(ipv6.getPort()).isEqualTo(9095);
    }

    @Test
    void rejectsBadAddresses() {
        for (final String bad : new String[] {"9095", ":9095", "127.0.0.1:", "127.0.0.1:port", "127.0.0.1:65536",
                "127.0.0.1:-1", "::1:9095", "[]:9095"}) {
            assertThatThrownBy(() -> converter.convert(bad)).as(bad)
                    .isInstanceOf(CommandLine.TypeConversionException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
