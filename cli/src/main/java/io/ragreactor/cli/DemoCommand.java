package io.ragreactor.cli;

import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.local.LocalRuntime;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Plays the sample recordings end to end on the local runtime: a real broker, the embedded registry, an S3
 * server, a pager and a simulated Kubernetes cluster. Each chosen scenario's input is re-timed to now and
 * produced to the health topic at the same time, and the reactor and the actuators handle their incidents
 * side by side. The command exits 0 when every scenario passed its checks.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Play the sample incidents end to end on the local runtime (embedded broker and registry,"
                + " in-process S3 server, simulated Kubernetes cluster): a broken vectorstore shard, an LLM provider"
                + " outage and a bootstrap deadlock, all at once; exit 0 when every incident ends as expected.")
final class DemoCommand implements Callable<Integer> {

    /** The scenarios in the order they are checked and printed. */
    private static final List<DemoScenario> SCENARIOS = List.of(new ShardDownDemo(), new ProviderOutageDemo(),
            new BootstrapDeadlockDemo());

    @Option(names = "--scenario", split = ",", paramLabel = "NAME",
            description = "Scenarios to play, separated by commas: shard-down, provider-outage, bootstrap-deadlock"
                    + " (default: all three).")
    private List<String> scenarioNames;

    @Option(names = "--timeout", defaultValue = "180",
            description = "Seconds, at least 1, to wait after the start of play for the incidents to end before failing"
                    + " (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds;

    @Option(names = "--speed", defaultValue = "30",
            description = "How many times faster than recorded the samples play, at least 1 (default: ${DEFAULT-VALUE}).")
    private double speed;

    @Spec
    private CommandSpec spec;

    @Option(names = "--keep-broker-data", paramLabel = "DIR",
            description = "Keep the broker's storage in DIR instead of a fresh temporary folder, to read the topics"
                    + " after the run. Use a new DIR for each run: the reactor's state, cooldowns included, is kept"
                    + " with the topics, so a second run on the same DIR starts where the first one ended.")
    private Path brokerDirectory;

    @Override
    public Integer call() throws Exception {
        if (speed < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--speed must be at least 1, got " + speed);
        }
        if (timeoutSeconds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be at least 1 second, got "
                    + timeoutSeconds);
        }
        final List<DemoScenario> scenarios = chosenScenarios();
        final PrintStream out = System.out;
        final long started = System.nanoTime();
        out.println("rag-reactor demo: " + (scenarios.size() == 1 ? "one problem" : scenarios.size() + " problems at"
                + " once") + " in the sample stack; the Kubernetes side is SIMULATED.");
        scenarios.forEach(scenario -> out.println("  " + scenario.name() + ": " + scenario.description()));
        final Map<String, String> overrides = new LinkedHashMap<>();
        scenarios.forEach(scenario -> overrides.putAll(scenario.runbookOverrides()));
        if (!overrides.isEmpty()) {
            out.println("Runbook values shortened for the demo: " + overrides.entrySet().stream()
                    .map(entry -> entry.getKey() + "=" + entry.getValue()).collect(Collectors.joining(", ")));
        }
        out.println("Starting the local runtime (broker, schema registry, S3 server, pager, simulated cluster) ...");
        out.println("Logs: " + RagReactorCli.logFile());

        final Instant runStart = Instant.now();
        LocalRuntime.Options options = LocalRuntime.Options.defaults();
        if (brokerDirectory != null) {
            options = options.withBrokerDirectory(brokerDirectory);
        }
        try (LocalLoop loop = LocalLoop.start(options, overrides);
             Timeline timeline = new Timeline(loop.runtime().bootstrapServers(), loop.topics(), out, runStart);
             HealthEventPublisher publisher = HealthEventPublisher.connect(loop.runtime().bootstrapServers(),
                     loop.topics())) {
            out.printf(Locale.ROOT, "Runtime up in %.1f s. Playing at %.0fx speed:%n%n", seconds(started), speed);
            out.printf(Locale.ROOT, Timeline.LINE, "time (UTC)", "kind", "target", "what");

            final ExecutorService players = Executors.newFixedThreadPool(scenarios.size(), runnable -> {
                final Thread thread = new Thread(runnable, "demo-player");
                thread.setDaemon(true);
                return thread;
            });
            try {
                final DemoRun run = new DemoRun(loop, timeline, publisher, out, speed, Instant.now());
                final List<Future<?>> plays = new ArrayList<>();
                for (final DemoScenario scenario : scenarios) {
                    plays.add(players.submit(() -> {
                        scenario.play(run);
                        return null;
                    }));
                }
                final Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
                final boolean passed = checkAll(scenarios, plays, run, deadline);
                final String verdict = passed ? "OK: every scenario passed"
                        : "FAILED: see the lines above and the logs in " + RagReactorCli.logFile() + ";";
                out.printf(Locale.ROOT, "%n%s %.1f s after the demo started.%n", verdict, seconds(started));
                return passed ? 0 : 1;
            } finally {
                // Before the publisher and the loop close, so that no sampler publishes into a closed producer.
                scenarios.forEach(DemoScenario::stop);
                players.shutdownNow();
            }
        }
    }

    private static boolean checkAll(final List<DemoScenario> scenarios, final List<Future<?>> plays, final DemoRun run,
                                    final Instant deadline) throws InterruptedException {
        final Map<DemoScenario, Boolean> results = new LinkedHashMap<>();
        for (int i = 0; i < scenarios.size(); i++) {
            final DemoScenario scenario = scenarios.get(i);
            boolean passed;
            try {
                plays.get(i).get(DemoRun.until(deadline).toMillis(), TimeUnit.MILLISECONDS);
                passed = true;
            } catch (final ExecutionException e) {
                run.out().println("[" + scenario.name() + "] FAILED: playing its input failed: " + e.getCause());
                passed = false;
            } catch (final TimeoutException e) {
                run.out().println("[" + scenario.name() + "] FAILED: its input did not finish playing in time");
                passed = false;
            }
            results.put(scenario, passed);
        }
        // Let the last outcome records reach the timeline before checking and summarising.
        Thread.sleep(500);
        run.out().println();
        boolean all = true;
        for (final DemoScenario scenario : scenarios) {
            final boolean passed = results.get(scenario) && scenario.check(run, deadline);
            all &= passed;
        }
        return all;
    }

    private List<DemoScenario> chosenScenarios() {
        if (scenarioNames == null || scenarioNames.isEmpty()) {
            return SCENARIOS;
        }
        final List<DemoScenario> chosen = new ArrayList<>();
        for (final DemoScenario scenario : SCENARIOS) {
            if (scenarioNames.contains(scenario.name())) {
                chosen.add(scenario);
            }
        }
        final List<String> known = SCENARIOS.stream().map(DemoScenario::name).toList();
        if (scenarioNames.stream().anyMatch(String::isBlank)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scenario needs a scenario name; known: "
                    + String.join(", ", known));
        }
        final List<String> unknown = scenarioNames.stream().filter(name -> !known.contains(name)).toList();
        if (!unknown.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown scenario(s) " + unknown
                    + " in --scenario; known: " + String.join(", ", known));
        }
        return chosen;
    }

    private static double seconds(final long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }
}
