package io.ragreactor.cli;

import io.ragreactor.ingress.JsonLinesTopicIngress;
import io.ragreactor.local.LocalRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Starts the whole loop on this machine, as the demo does, with the webhook receiver and the pod watcher in
 * front of it, and keeps it up until Ctrl-C. It writes an environment file for the operator commands of a
 * second terminal and an Alertmanager configuration whose webhook points at the receiver.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run the whole loop on this machine until Ctrl-C: embedded broker and schema registry, S3"
                + " server, SIMULATED Kubernetes cluster, reactor and actuators, plus a webhook receiver on"
                + " 127.0.0.1 for a real Alertmanager and a pod watcher on the simulated cluster. Writes an"
                + " environment file to source in a second terminal for tail, incidents and the other commands.")
final class LocalCommand implements Callable<Integer> {

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9095",
            converter = ListenAddressConverter.class,
            description = "Loopback address the webhook receiver listens on; port 0 picks a free port (default:"
                    + " ${DEFAULT-VALUE}).")
    private InetSocketAddress listen;

    @Option(names = "--env-file", paramLabel = "FILE", defaultValue = ".demo/local.env",
            description = "File to write with export lines of " + ConnectionOptions.BOOTSTRAP_SERVERS_ENV + " and "
                    + ConnectionOptions.SCHEMA_REGISTRY_URL_ENV + ", for `source FILE` in another terminal"
                    + " (default: ${DEFAULT-VALUE}).")
    private Path envFile;

    @Option(names = "--alertmanager-config", paramLabel = "FILE", defaultValue = ".demo/alertmanager.yml",
            description = "File to write with an Alertmanager configuration whose webhook receiver posts to this"
                    + " command's receiver (default: ${DEFAULT-VALUE}).")
    private Path alertmanagerConfig;

    @Option(names = "--keep-broker-data", paramLabel = "DIR",
            description = "Keep the broker's storage in DIR instead of a fresh temporary folder. The reactor's state,"
                    + " cooldowns included, is kept with the topics, so a second run on the same DIR starts where"
                    + " the first one ended.")
    private Path brokerDirectory;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        // The local stack has no authentication, and its simulated cluster is not meant to be reached from outside.
        if (!listen.getAddress().isLoopbackAddress()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--listen must be a loopback address such"
                    + " as 127.0.0.1:9095, got " + listen.getAddress().getHostAddress() + ":" + listen.getPort());
        }
        final PrintStream out = System.out;
        final long started = System.nanoTime();
        out.println("Starting the local runtime (broker, schema registry, S3 server, pager, SIMULATED cluster),"
                + " reactor, actuators and ingress ...");
        out.println("Logs: " + RagReactorCli.logFile());

        LocalRuntime.Options options = LocalRuntime.Options.defaults();
        if (brokerDirectory != null) {
            options = options.withBrokerDirectory(brokerDirectory);
        }
        try (ShutdownSignal signal = ShutdownSignal.install("local");
             LocalStack stack = LocalStack.start(options, listen)) {
            final LocalRuntime runtime = stack.loop().runtime();
            writeFile(envFile, environmentFile(runtime));
            final String amConfig = AlertmanagerConfig.webhookTo(stack.alertmanagerWebhookUrl());
            writeFile(alertmanagerConfig, amConfig);

            out.printf(Locale.ROOT, "Up in %.1f s.%n", (System.nanoTime() - started) / 1e9);
            out.println("  Kafka bootstrap servers: " + runtime.bootstrapServers());
            out.println("  Schema registry:         " + runtime.schemaRegistryUrl());
            out.println("  Webhook receiver:        " + stack.receiverUrl() + " (" + IngressServices.ENDPOINTS + ")");
            out.println("  Pod watcher:             namespace " + stack.watchedNamespace()
                    + " of the simulated cluster " + runtime.kubernetesUrl());
            out.println("  JSON lines topic:        " + JsonLinesTopicIngress.DEFAULT_TOPIC
                    + " (for example kcat -P -l -b " + runtime.bootstrapServers() + " -t "
                    + JsonLinesTopicIngress.DEFAULT_TOPIC + " FILE)");
            out.println();
            out.println("In another terminal:");
            out.println("  source " + envFile);
            out.println("  java -jar cli/target/rag-reactor.jar tail --from 5m");
            out.println("  java -jar cli/target/rag-reactor.jar shadow-replay --from 15m"
                    + " --set shardDown.steps.validate.retrieverUrl=" + runtime.retrieverUrl());
            out.println("(this stack's runbook points validation at the simulated retriever; without that --set,"
                    + " shadow-replay reports every validate command as changed)");
            out.println();
            out.println("Alertmanager configuration written to " + alertmanagerConfig + ":");
            out.println(amConfig);
            out.println("Press Ctrl-C to stop.");
            out.flush();
            signal.await();
            out.println("Stopping ...");
            out.flush();
        }
        return CommandLine.ExitCode.OK;
    }

    private static String environmentFile(final LocalRuntime runtime) {
        return "# Written by rag-reactor local; the addresses are valid while it runs.\n"
                + "export " + ConnectionOptions.BOOTSTRAP_SERVERS_ENV + "=" + runtime.bootstrapServers() + "\n"
                + "export " + ConnectionOptions.SCHEMA_REGISTRY_URL_ENV + "=" + runtime.schemaRegistryUrl() + "\n";
    }

    private static void writeFile(final Path file, final String text) {
        try {
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new CommandFailedException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
