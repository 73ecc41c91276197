package io.ragreactor.cli;

import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesIngress;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.ingress.ProbeLineParser;
import io.ragreactor.ingress.Retimer;
import io.ragreactor.local.LocalRuntime;
import io.ragreactor.local.cluster.ShardIndex;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.StepRecord;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs one shard-down incident end to end on the local runtime: a real broker, the embedded registry, an
 * S3 server and a simulated Kubernetes cluster. The recorded golden-query results are re-timed to now and
 * produced to the health topic; the reactor and the actuators recover shard-5.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Play the shard-5 incident of the sample recording end to end on the local runtime "
                + "(embedded broker and registry, in-process S3 server, simulated Kubernetes cluster); "
                + "exit 0 when the incident closes as recovered.")
final class DemoCommand implements Callable<Integer> {

    private static final String SAMPLE = "/io/ragreactor/cli/golden-query-results.jsonl";
    private static final String DEMO_TARGET = "rag-prod/vectorstore/shard-5";
    private static final String UNTOUCHED_TARGET = "rag-prod/vectorstore/shard-4";

    @Option(names = "--timeout", defaultValue = "120",
            description = "Seconds to wait for the incident to close before failing (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds;

    @Option(names = "--speed", defaultValue = "30",
            description = "How many times faster than recorded the sample plays, at least 1 (default: ${DEFAULT-VALUE}).")
    private double speed;

    @Spec
    private CommandSpec spec;

    @Option(names = "--keep-broker-data", paramLabel = "DIR",
            description = "Keep the broker's storage in DIR instead of a fresh temporary folder.")
    private Path brokerDirectory;

    @Override
    public Integer call() throws Exception {
        if (speed < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--speed must be at least 1, got " + speed);
        }
        final PrintStream out = System.out;
        final long started = System.nanoTime();
        out.println("rag-reactor demo: shard-5 of the sample stack degrades; the Kubernetes side is SIMULATED.");
        out.println("Starting the local runtime (broker, schema registry, S3 server, simulated cluster) ...");
        out.println("Logs: " + RagReactorCli.logFile());

        LocalRuntime.Options options = LocalRuntime.Options.defaults();
        if (brokerDirectory != null) {
            options = options.withBrokerDirectory(brokerDirectory);
        }
        try (LocalLoop loop = LocalLoop.start(options);
             Timeline timeline = new Timeline(loop.runtime().bootstrapServers(), loop.topics(), out)) {
            out.printf("Runtime up in %.1f s. Playing golden-query-results.jsonl at %.0fx speed:%n%n", seconds(started),
                    speed);
            out.printf("%-12s %-9s %-29s %s%n", "time (UTC)", "kind", "target", "what");

            playSample(loop, timeline);
            final Optional<IncidentUpdate> closed = timeline.awaitClosed(DEMO_TARGET, Duration.ofSeconds(timeoutSeconds));
            // Let the last outcome records reach the timeline before summarising.
            Thread.sleep(500);
            return summarise(out, loop.runtime(), timeline, closed, started);
        }
    }

    private void playSample(final LocalLoop loop, final Timeline timeline) throws Exception {
        try (InputStream in = DemoCommand.class.getResourceAsStream(SAMPLE);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
             HealthEventPublisher publisher = HealthEventPublisher.connect(loop.runtime().bootstrapServers(),
                     loop.topics())) {
            final JsonLinesIngress ingress = new JsonLinesIngress(new ProbeLineParser(loop.runbook()), publisher);
            ingress.run(reader, "golden-query-results.jsonl", new Retimer(Instant.now(), speed),
                    new JsonLinesIngress.Listener() {
                        @Override
                        public void published(final HealthEvent event) {
                            timeline.observed(event);
                        }

                        @Override
                        public void skipped(final long lineNumber, final String why) {
                        }

                        @Override
                        public void deadLettered(final long lineNumber, final ParsedLine.Rejected rejected) {
                            System.out.printf("line %d dead-lettered: %s%n", lineNumber, rejected.message());
                        }
                    });
        }
    }

    private int summarise(final PrintStream out, final LocalRuntime runtime, final Timeline timeline,
                          final Optional<IncidentUpdate> closed, final long started) {
        out.println();
        final List<RecoveryCommand> commands = timeline.commands();
        final boolean shard4Touched = commands.stream().anyMatch(c -> c.getTarget().equals(UNTOUCHED_TARGET));
        final ShardIndex shard5 = runtime.cluster().shardIndex("shard-5");
        out.println("Simulated cluster now: shard-5 served by pod " + shard5.pod().map(p -> p.getMetadata().getName())
                .orElse("(none)") + " on PVC " + shard5.claim().orElse("(none)") + ", index "
                + (shard5.healthy() ? "healthy" : "broken") + "; PVCs kept: " + runtime.cluster().persistentVolumeClaims());
        out.println("Commands issued per target: " + commands.stream()
                .collect(Collectors.groupingBy(RecoveryCommand::getTarget, Collectors.counting())));

        if (closed.isEmpty()) {
            out.printf("FAILED: the shard-5 incident did not close within %d s; see the logs in %s%n", timeoutSeconds,
                    RagReactorCli.logFile());
            return 1;
        }
        final IncidentUpdate incident = closed.get();
        out.println("Incident " + incident.getIncidentId() + " " + incident.getState() + ", steps: " + incident.getSteps()
                .stream().map(step -> step.getStep() + "=" + step.getStatus()).map(String::valueOf)
                .collect(Collectors.joining(", ")));
        if (incident.getState() != IncidentState.RECOVERED) {
            out.println("FAILED: the incident ended " + incident.getState() + " instead of RECOVERED; see the logs in "
                    + RagReactorCli.logFile());
            return 1;
        }
        if (shard4Touched) {
            out.println("FAILED: a command was issued for shard-4, which stayed healthy");
            return 1;
        }
        final long restores = incident.getSteps().stream().map(StepRecord::getStep).filter("restore"::equals).count();
        out.printf("OK: shard-5 recovered (%d restore) %.1f s after the demo started; shard-4 untouched.%n", restores,
                seconds(started));
        return 0;
    }

    private static double seconds(final long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
