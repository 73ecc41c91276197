package io.ragreactor.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ragreactor.ingress.PodStatusMapper;
import io.ragreactor.runbook.BootstrapDeadlockSettings;
import io.ragreactor.schemas.common.Evidence;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import io.ragreactor.schemas.outcome.RecoveryOutcome;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Scenario C: the stack cannot start. The generator's container and the indexer's init container crash in a
 * loop, because the database schema is one migration behind and the migration Job failed on a circular wait.
 * The demo reads the pods of the runbook's bootstrap workloads from the simulated cluster once, at the start,
 * as a pod watcher would report them. It passes when the generator's and the indexer's incidents recover through
 * inspection, a controlled migration and an ordered start, with the migration log kept as evidence.
 */
final class BootstrapDeadlockDemo implements DemoScenario {

    private static final List<String> DEADLOCKED_TARGETS = List.of("rag-prod/generator/generator",
            "rag-prod/indexer/indexer");
    /** Workloads whose pods are reported too but must open no incident: they are not part of the deadlock. */
    private static final List<String> HEALTHY_TARGETS = List.of("rag-prod/controller/controller",
            "rag-prod/retriever/retriever");
    private static final String CIRCULAR_DEPENDENCY = "circular dependency";

    @Override
    public String name() {
        return "bootstrap-deadlock";
    }

    @Override
    public String description() {
        return "pod samples and migrations-job.log: the generator and the indexer's init container crash in a loop,"
                + " waiting for a migration that is itself blocked";
    }

    @Override
    public void play(final DemoRun run) {
        final PodStatusMapper mapper = new PodStatusMapper(run.loop().runbook());
        final Instant now = Instant.now();
        try (KubernetesClient client = run.loop().runtime().newKubernetesClient()) {
            for (final Pod pod : podsOfBootstrapWorkloads(run, client)) {
                run.publish(mapper.map(Serialization.asJson(pod), now));
            }
        }
    }

    private static List<Pod> podsOfBootstrapWorkloads(final DemoRun run, final KubernetesClient client) {
        final List<Pod> pods = new ArrayList<>();
        for (final BootstrapDeadlockSettings.Workload workload : run.loop().runbook().bootstrapDeadlock().workloads()) {
            pods.addAll(client.pods().withLabels(workload.podSelector()).list().getItems());
        }
        pods.sort(Comparator.comparing(pod -> pod.getMetadata().getName()));
        return pods;
    }

    @Override
    public boolean check(final DemoRun run, final Instant deadline) throws InterruptedException {
        final PrintStream out = run.out();
        boolean passed = true;
        for (final String target : DEADLOCKED_TARGETS) {
            final Optional<IncidentUpdate> closed = run.timeline().awaitClosed(target, DemoRun.until(deadline));
            if (closed.isEmpty()) {
                out.println("[bootstrap-deadlock] FAILED: the incident of " + target + " did not close in time");
                passed = false;
                continue;
            }
            final IncidentUpdate incident = closed.get();
            final boolean migrationLogKept = run.timeline().outcomes().stream()
                    .filter(outcome -> outcome.getIncidentId().equals(incident.getIncidentId()))
                    .filter(outcome -> outcome.getStep().equals("inspect"))
                    .map(RecoveryOutcome::getEvidence)
                    .flatMap(List::stream)
                    .map(Evidence::getText)
                    .anyMatch(text -> text.contains(CIRCULAR_DEPENDENCY));
            out.println("[bootstrap-deadlock] " + target + " incident " + incident.getIncidentId() + " "
                    + incident.getState() + ", steps: " + ShardDownDemo.steps(incident)
                    + ", migration log with the circular dependency kept as evidence: " + migrationLogKept);
            if (incident.getState() != IncidentState.RECOVERED || !migrationLogKept) {
                out.println("[bootstrap-deadlock] FAILED: " + target + " must recover with the migration log as"
                        + " evidence");
                passed = false;
            }
        }
        final List<String> wronglyOpened = run.timeline().incidents().stream()
                .map(IncidentUpdate::getTarget)
                .filter(HEALTHY_TARGETS::contains)
                .toList();
        if (!wronglyOpened.isEmpty()) {
            out.println("[bootstrap-deadlock] FAILED: workloads outside the deadlock opened incidents: " + wronglyOpened);
            passed = false;
        }
        printWorkloads(run);
        if (passed) {
            out.println("[bootstrap-deadlock] OK: each incident ran the migrations in a controlled Job and started the"
                    + " stack in order; the controller and the retriever opened no incident.");
        }
        return passed;
    }

    /** Prints each bootstrap workload's pods with their phase and readiness, as the simulated cluster stores them. */
    private static void printWorkloads(final DemoRun run) {
        final List<String> states = new ArrayList<>();
        try (KubernetesClient client = run.loop().runtime().newKubernetesClient()) {
            for (final Pod pod : podsOfBootstrapWorkloads(run, client)) {
                final boolean ready = pod.getStatus() != null && pod.getStatus().getConditions().stream()
                        .anyMatch(condition -> condition.getType().equals("Ready")
                                && condition.getStatus().equals("True"));
                states.add(pod.getMetadata().getName() + " " + (ready ? "Ready" : "not Ready"));
            }
        }
        run.out().println("[bootstrap-deadlock] simulated cluster now: " + String.join(", ", states));
    }
}
