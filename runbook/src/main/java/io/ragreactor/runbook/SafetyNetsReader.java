package io.ragreactor.runbook;

import java.util.Set;

/** Reads and validates the {@code safetyNets} section of a runbook file. */
final class SafetyNetsReader {

    private SafetyNetsReader() {
    }

    /**
     * Reads the section; {@code namespace} and {@code backup} are the runbook's namespace and backup provider (null
     * when none), which the restore drill and the credential probe are checked against.
     */
    static SafetyNets read(final YamlReader reader, final YamlReader.Section section, final String namespace,
                           final ProviderOutageSettings.Backup backup) {
        section.allowOnly(Set.of("snapshots", "restoreDrill", "credentialProbe"));
        return new SafetyNets(readSnapshots(reader, section.section("snapshots")),
                readRestoreDrill(reader, section.section("restoreDrill"), namespace),
                readCredentialProbe(reader, section.section("credentialProbe"), backup));
    }

    private static SafetyNets.Snapshots readSnapshots(final YamlReader reader, final YamlReader.Section snapshots) {
        snapshots.allowOnly(Set.of("enabled", "at", "retentionDays", "keepAtLeast", "job", "deadline"));
        return new SafetyNets.Snapshots(snapshots.bool("enabled", true), snapshots.timeOfDay("at"),
                snapshots.integer("retentionDays", 7, 14), snapshots.integer("keepAtLeast", 1, 100, 1),
                RunbookLoader.readJob(reader, snapshots.section("job")), snapshots.duration("deadline"));
    }

    private static SafetyNets.RestoreDrill readRestoreDrill(final YamlReader reader, final YamlReader.Section drill,
                                                            final String namespace) {
        drill.allowOnly(Set.of("enabled", "dayOfMonth", "at", "scratchNamespace", "deadline"));
        final String scratchNamespace = RunbookLoader.dnsLabel(reader, drill, "scratchNamespace");
        if (!scratchNamespace.isEmpty() && scratchNamespace.equals(namespace)) {
            reader.problem(drill.node("scratchNamespace"), drill.key("scratchNamespace"),
                    "must differ from namespace '" + namespace + "', because a drill must not restore into the live stack");
        }
        // Day 28 is the last day every month has.
        return new SafetyNets.RestoreDrill(drill.bool("enabled", true), drill.integer("dayOfMonth", 1, 28),
                drill.timeOfDay("at"), scratchNamespace, drill.duration("deadline"));
    }

    private static SafetyNets.CredentialProbe readCredentialProbe(final YamlReader reader,
                                                                  final YamlReader.Section probe,
                                                                  final ProviderOutageSettings.Backup backup) {
        probe.allowOnly(Set.of("enabled", "every", "provider", "probeUrl", "credentialRef", "deadline"));
        final boolean enabled = probe.bool("enabled", true);
        final String provider = RunbookLoader.dnsLabel(reader, probe, "provider");
        if (enabled && backup != null && !provider.isEmpty() && !provider.equals(backup.provider())) {
            reader.problem(probe.node("provider"), probe.key("provider"), "must be the backup provider '"
                    + backup.provider() + "' named in providerOutage.backup.provider, got '" + provider + "'");
        }
        return new SafetyNets.CredentialProbe(enabled, probe.duration("every"), provider,
                RunbookLoader.httpUrl(reader, probe, "probeUrl"), RunbookLoader.settingsKey(reader, probe, "credentialRef"),
                probe.duration("deadline"));
    }
}
