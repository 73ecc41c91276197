package io.ragreactor.cli;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ragreactor.ingress.ProviderResponseParser;
import io.ragreactor.local.pager.PagerEndpoint;
import io.ragreactor.local.sampler.QualitySampler;
import io.ragreactor.runbook.ProviderOutageSettings;
import io.ragreactor.schemas.command.RecoveryCommand;
import io.ragreactor.schemas.incident.IncidentState;
import io.ragreactor.schemas.incident.IncidentUpdate;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scenario B: the primary LLM provider fails with a burst of 5xx answers, and half an hour later both
 * providers reject their API keys. The demo plays the RAG API's record of failed provider calls, while the
 * simulated quality sampler reports citation hit rate and precision at the primary's current share of
 * traffic. It passes when the outage recovers through the whole ladder (backup, wait, ramp, switch back)
 * and each rejected key escalates as a configuration fault without any failover.
 */
final class ProviderOutageDemo implements DemoScenario {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderOutageDemo.class);

    private static final String RECORDING = "/io/ragreactor/cli/llm-provider-responses.jsonl";
    private static final String PRIMARY = "rag-prod/generator/primary-llm";
    private static final String BACKUP = "rag-prod/generator/backup-llm";
    private static final long SAMPLING_PERIOD_MS = 250;
    /** Steps of an auth incident: an escalation only, never a switch or a setting. */
    private static final Set<String> AUTH_STEPS = Set.of("escalate");

    private ScheduledExecutorService sampling;
    private QualitySampler sampler;

    @Override
    public String name() {
        return "provider-outage";
    }

    @Override
    public String description() {
        return "llm-provider-responses.jsonl: a burst of 5xx responses from primary-llm, rate limits, an overload of"
                + " backup-llm, then both providers reject their API keys (401)";
    }

    /**
     * Shortens the waits so that the outage recovers before the recording's 401 responses arrive. At the
     * default speed, the runbook's 10 minutes without symptoms and 5 minutes per ramp step would outlast them.
     */
    @Override
    public Map<String, String> runbookOverrides() {
        final Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("providerOutage.steps.awaitRecovery.healthyFor", "4s");
        overrides.put("providerOutage.steps.ramp.hold", "2s");
        return overrides;
    }

    @Override
    public void play(final DemoRun run) throws Exception {
        sampler = new QualitySampler(run.loop().runtime().cluster());
        sampling = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, "demo-quality-sampler");
            thread.setDaemon(true);
            return thread;
        });
        final QualitySampler quality = sampler;
        sampling.scheduleAtFixedRate(() -> sample(quality, run), 0, SAMPLING_PERIOD_MS, TimeUnit.MILLISECONDS);
        run.playRecording(RECORDING, new ProviderResponseParser(run.loop().runbook()));
    }

    private static void sample(final QualitySampler sampler, final DemoRun run) {
        try {
            // Readings are not printed: four a second would drown the timeline.
            sampler.sample(Instant.now()).ifPresent(run.publisher()::publish);
        } catch (final RuntimeException e) {
            LOG.warn("quality sample failed, trying again in {} ms: {}", SAMPLING_PERIOD_MS, e.toString());
        }
    }

    @Override
    public void stop() {
        if (sampling != null) {
            sampling.shutdownNow();
        }
        if (sampler != null) {
            sampler.close();
        }
    }

    @Override
    public boolean check(final DemoRun run, final Instant deadline) throws InterruptedException {
        final PrintStream out = run.out();
        final Timeline timeline = run.timeline();

        // The outage: the first incident of the primary provider.
        final Optional<IncidentUpdate> outage = timeline.awaitFirst(update -> update.getTarget().equals(PRIMARY),
                DemoRun.until(deadline));
        if (outage.isEmpty()) {
            out.println("[provider-outage] FAILED: no incident opened for primary-llm");
            return false;
        }
        final String outageId = outage.get().getIncidentId();
        final Optional<IncidentUpdate> outageClosed = timeline.awaitClosed(
                update -> update.getIncidentId().equals(outageId), DemoRun.until(deadline));

        // The rejected keys: one incident per provider, opened after the outage.
        final Optional<IncidentUpdate> backupAuth = timeline.awaitClosed(
                update -> update.getTarget().equals(BACKUP), DemoRun.until(deadline));
        final Optional<IncidentUpdate> primaryAuth = timeline.awaitClosed(
                update -> update.getTarget().equals(PRIMARY) && !update.getIncidentId().equals(outageId),
                DemoRun.until(deadline));
        printApiState(run);

        boolean passed = true;
        if (outageClosed.isEmpty()) {
            out.println("[provider-outage] FAILED: the primary-llm outage incident did not close in time");
            passed = false;
        } else {
            final IncidentUpdate incident = outageClosed.get();
            out.println("[provider-outage] outage incident " + incident.getIncidentId() + " " + incident.getState()
                    + ", steps: " + ShardDownDemo.steps(incident));
            if (incident.getState() != IncidentState.RECOVERED) {
                out.println("[provider-outage] FAILED: the outage ended " + incident.getState()
                        + " instead of RECOVERED");
                passed = false;
            }
        }
        passed &= checkAuthIncident(run, "backup-llm", backupAuth);
        passed &= checkAuthIncident(run, "primary-llm", primaryAuth);
        if (passed) {
            out.println("[provider-outage] OK: the outage recovered through backup, wait and ramp; both rejected"
                    + " keys escalated to the pager without failover.");
        }
        return passed;
    }

    private static boolean checkAuthIncident(final DemoRun run, final String provider,
                                             final Optional<IncidentUpdate> closed) {
        final PrintStream out = run.out();
        if (closed.isEmpty()) {
            out.println("[provider-outage] FAILED: no escalated incident for the rejected key of " + provider);
            return false;
        }
        final IncidentUpdate incident = closed.get();
        final List<String> steps = run.timeline().commands().stream()
                .filter(command -> command.getIncidentId().equals(incident.getIncidentId()))
                .map(RecoveryCommand::getStep)
                .toList();
        final boolean paged = run.loop().runtime().pager().escalations().stream()
                .map(PagerEndpoint.Escalation::incidentId)
                .anyMatch(incident.getIncidentId()::equals);
        out.println("[provider-outage] " + provider + " auth incident " + incident.getIncidentId() + " "
                + incident.getState() + ", commands: " + steps + ", pager received it: " + paged);
        if (incident.getState() != IncidentState.ESCALATED || !AUTH_STEPS.containsAll(steps) || !paged) {
            out.println("[provider-outage] FAILED: the rejected key of " + provider
                    + " must escalate to the pager with no other command");
            return false;
        }
        return true;
    }

    /** Prints which provider the API uses and the primary's share of traffic, as the simulated cluster stores them. */
    private static void printApiState(final DemoRun run) {
        final ProviderOutageSettings settings = run.loop().runbook().providerOutage();
        try (KubernetesClient client = run.loop().runtime().newKubernetesClient()) {
            final Deployment api = client.apps().deployments().withName(settings.api().deployment()).get();
            final String provider = api == null ? "(no deployment)" : api.getSpec().getTemplate().getSpec()
                    .getContainers().stream()
                    .flatMap(container -> container.getEnv().stream())
                    .filter(env -> env.getName().equals(settings.backup().envVar()))
                    .map(EnvVar::getValue)
                    .findFirst().orElse("(unset)");
            final ConfigMap apiSettings = client.configMaps().withName(settings.api().settingsName()).get();
            final String settingsText = apiSettings == null || apiSettings.getData() == null ? "(none)"
                    : apiSettings.getData().entrySet().stream()
                            .map(entry -> entry.getKey() + "=" + entry.getValue())
                            .collect(Collectors.joining(", "));
            run.out().println("[provider-outage] simulated cluster now: deployment " + settings.api().deployment()
                    + " " + settings.backup().envVar() + "=" + provider + "; ConfigMap " + settings.api().settingsName()
                    + ": " + settingsText);
        }
    }
}
