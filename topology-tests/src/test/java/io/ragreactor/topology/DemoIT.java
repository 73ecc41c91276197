package io.ragreactor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragreactor.cli.RagReactorCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Runs the README's demo command in this JVM, as a new user would from the shell: its own broker, registry,
 * S3 server, pager and simulated cluster, all three scenarios at once. Each scenario checks its own
 * incidents, so exit code 0 means every one of them ended as expected.
 */
class DemoIT {

    @Test
    void shouldPassEveryDemoScenario() {
        // Given the demo's output copied to a buffer, and still printed for the build log
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final PrintStream original = System.out;
        System.setOut(new PrintStream(new Tee(original, printed), true, StandardCharsets.UTF_8));
        final int exitCode;
        try {
            // When the demo command runs with its defaults
            exitCode = new CommandLine(new RagReactorCli()).execute("demo");
        } finally {
            System.setOut(original);
        }

        // Then it exits 0, and each scenario reports its own success
        final String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(exitCode).as("exit code of the demo, whose output is:%n%s", output).isZero();
        assertThat(output).contains("[shard-down] OK:");
        assertThat(output).contains("[provider-outage] OK:");
        assertThat(output).contains("[bootstrap-deadlock] OK:");
    }

    /** Writes every byte to two streams. */
    private static final class Tee extends OutputStream {

        private final OutputStream first;
        private final OutputStream second;

        Tee(final OutputStream first, final OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(final int b) {
            synchronized (this) {
                try {
                    first.write(b);
                    second.write(b);
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public void write(final byte[] bytes, final int offset, final int length) {
            synchronized (this) {
                try {
                    first.write(bytes, offset, length);
                    second.write(bytes, offset, length);
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
