package io.ragreactor.cli;

import io.ragreactor.ingress.ProbeLineParser;
import io.ragreactor.local.LocalRuntime;
import io.ragreactor.local.cluster.ShardIndex;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.incident.StepRecord;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Scenario A: shard-5's index breaks while shard-4 stays healthy. The demo plays the golden-query prober's
 * recording and passes when shard-5's incident closes as recovered and no command touched shard-4.
 */
final class ShardDownDemo implements DemoScenario {

    private static final String RECORDING = "/io/ragreactor/cli/golden-query-results.jsonl";
    private static final String DEMO_TARGET = "rag-prod/vectorstore/shard-5";
    private static final String UNTOUCHED_TARGET = "rag-prod/vectorstore/shard-4";

    @Override
    public String name() {
        return "shard-down";
    }

    @Override
    public String description() {
        return "golden-query-results.jsonl: shard-5's index degrades (empty results, a low score, IO and checksum"
                + " errors) while shard-4 stays healthy";
    }

    @Override
    public void play(final DemoRun run) throws Exception {
        run.playRecording(RECORDING, new ProbeLineParser(run.loop().runbook()));
    }

    @Override
    public boolean check(final DemoRun run, final Instant deadline) throws InterruptedException {
        final PrintStream out = run.out();
        final Optional<IncidentUpdate> closed = run.timeline().awaitClosed(DEMO_TARGET, DemoRun.until(deadline));
        final LocalRuntime runtime = run.loop().runtime();
        final ShardIndex shard5 = runtime.cluster().shardIndex("shard-5");
        out.println("[shard-down] simulated cluster now: shard-5 served by pod " + shard5.pod()
                .map(p -> p.getMetadata().getName()).orElse("(none)") + " on PVC " + shard5.claim().orElse("(none)")
                + ", index " + (shard5.healthy() ? "healthy" : "broken") + "; PVCs kept: "
                + runtime.cluster().persistentVolumeClaims());
        if (closed.isEmpty()) {
            out.println("[shard-down] FAILED: the shard-5 incident did not close in time");
            return false;
        }
        final IncidentUpdate incident = closed.get();
        out.println("[shard-down] incident " + incident.getIncidentId() + " " + incident.getState() + ", steps: "
                + steps(incident));
        if (incident.getState() != IncidentState.RECOVERED) {
            out.println("[shard-down] FAILED: the incident ended " + incident.getState() + " instead of RECOVERED");
            return false;
        }
        final List<RecoveryCommand> shard4Commands = run.timeline().commands().stream()
                .filter(command -> command.getTarget().equals(UNTOUCHED_TARGET))
                .toList();
        if (!shard4Commands.isEmpty()) {
            out.println("[shard-down] FAILED: " + shard4Commands.size() + " command(s) for shard-4, which stayed healthy");
            return false;
        }
        final long restores = incident.getSteps().stream().map(StepRecord::getStep).filter("restore"::equals).count();
        out.printf("[shard-down] OK: shard-5 recovered (%d restore), shard-4 untouched.%n", restores);
        return true;
    }

    /** Lists an incident's steps with their status, for example {@code reopen=FAILED, restore=SUCCEEDED}. */
    static String steps(final IncidentUpdate incident) {
        return incident.getSteps().stream()
                .map(step -> step.getStep() + "=" + step.getStatus())
                .collect(Collectors.joining(", "));
    }
}
