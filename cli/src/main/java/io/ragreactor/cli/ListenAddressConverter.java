package io.ragreactor.cli;

import java.net.InetSocketAddress;
import picocli.CommandLine;

/**
 * Converts a {@code HOST:PORT} option value such as {@code 127.0.0.1:9095}, {@code 0.0.0.0:9095} or
 * {@code [::1]:9095} to the socket address a server binds to. Port 0 lets the system pick a free port.
 */
final class ListenAddressConverter implements CommandLine.ITypeConverter<InetSocketAddress> {

    @Override
    public InetSocketAddress convert(final String value) {
        final String text = value.trim();
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw invalid(value);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            // An IPv6 address needs brackets, because its own colons would be read as the port separator.
            throw invalid(value);
        }
        final int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (final NumberFormatException e) {
            throw invalid(value);
        }
        if (host.isEmpty() || port < 0 || port > 65_535) {
            throw invalid(value);
        }
        final InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new CommandLine.TypeConversionException("host '" + host + "' of '" + value + "' cannot be resolved");
        }
        return address;
    }

    private static CommandLine.TypeConversionException invalid(final String value) {
        return new CommandLine.TypeConversionException("expected HOST:PORT such as 127.0.0.1:9095 or [::1]:9095,"
                + " with a port from 0 to 65535, got '" + value + "'");
    }
}
