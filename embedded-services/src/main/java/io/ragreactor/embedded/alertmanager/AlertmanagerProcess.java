package io.ragreactor.embedded.alertmanager;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Alertmanager started from its binary on 127.0.0.1: one webhook receiver that gets every alert at once,
 * no cluster listener, and its storage and output in a temporary folder that {@link #close()} deletes.
 */
public final class AlertmanagerProcess implements AutoCloseable {

    /** Binary names: Debian's package installs prometheus-alertmanager, upstream releases alertmanager. */
    private static final List<String> BINARIES = List.of("prometheus-alertmanager", "alertmanager");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path folder;
    private final String url;

    private AlertmanagerProcess(final Process process, final Path folder, final String url) {
        this.process = process;
        this.folder = folder;
        this.url = url;
    }

    /** Returns the first Alertmanager binary on the PATH, or empty when there is none. */
    public static Optional<Path> findBinary() {
        final String path = System.getenv().getOrDefault("PATH", "");
        for (final String binary : BINARIES) {
            for (final String folder : path.split(File.pathSeparator)) {
                final Path candidate = Path.of(folder, binary);
                if (!folder.isEmpty() && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Starts {@code binary} with a route that posts every alert to {@code webhookUrl} at once, and again each
     * {@code groupInterval} while it changes, resolved alerts included, and waits until it is ready.
     */
    public static AlertmanagerProcess start(final Path binary, final String webhookUrl, final Duration groupInterval)
            throws IOException {
        final Path folder = Files.createTempDirectory("alertmanager-it");
        final Path config = folder.resolve("alertmanager.yml");
        Files.writeString(config, String.join("\n",
                "route:",
                "  receiver: rag-reactor",
                "  group_by: [alertname, shard]",
                "  group_wait: 0s",
                "  group_interval: " + groupInterval.toSeconds() + "s",
                "  repeat_interval: 1h",
                "receivers:",
                "  - name: rag-reactor",
                "    webhook_configs:",
                "      - url: '" + webhookUrl + "'",
                "        send_resolved: true",
                ""), StandardCharsets.UTF_8);
        final int port = freePort();
        final Process process = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--storage.path=" + folder.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
                .redirectErrorStream(true)
                .redirectOutput(folder.resolve("alertmanager.log").toFile())
                .start();
        final AlertmanagerProcess alertmanager = new AlertmanagerProcess(process, folder, "http://127.0.0.1:" + port);
        try {
            alertmanager.awaitReady();
        } catch (final IOException | InterruptedException | RuntimeException | AssertionError e) {
            final String written = alertmanager.output();
            alertmanager.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new AssertionError("Alertmanager did not become ready. Its output:\n" + written, e);
        }
        return alertmanager;
    }

    /** Returns the base URL of its API, for example {@code http://127.0.0.1:41234}. */
    public String url() {
        return url;
    }

    /** Returns what the process wrote so far. */
    public String output() {
        final Path log = folder.resolve("alertmanager.log");
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        final HttpClient http = HttpClient.newHttpClient();
        final long end = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new AssertionError("Alertmanager exited with code " + process.exitValue());
            }
            try {
                final HttpResponse<Void> ready = http.send(HttpRequest.newBuilder(URI.create(url + "/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (final ConnectException e) {
                // Not listening yet.
            }
            Thread.sleep(200);
        }
        throw new AssertionError("Alertmanager not ready within " + READY_TIMEOUT);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Stops the process, forcibly when it does not exit within five seconds, and deletes its folder. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (final IOException e) {
            System.out.println("Cannot delete " + folder + ": " + e.getMessage());
        }
    }
}
