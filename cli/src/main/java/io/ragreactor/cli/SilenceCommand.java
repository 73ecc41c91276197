package io.ragreactor.cli;

import io.ragreactor.reactor.control.ControlView;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.Silence;
import io.ragreactor.schemas.control.TargetMatcher;
import io.ragreactor.schemas.target.Target;
import io.ragreactor.schemas.topics.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes a silence, which keeps matching targets from opening incidents for a while, or withdraws one. */
@Command(name = "silence", mixinStandardHelpOptions = true,
        description = {"Silence one target or every instance of a component: write a Silence to rag.control under"
                + " silence/<NAME>. While it lasts, symptoms of matching targets open no incident; they are only"
                + " counted. An incident already running goes on.",
            "With --remove NAME, withdraw a silence instead: write a tombstone for silence/<NAME>."})
final class SilenceCommand implements Callable<Integer> {

    /** Allowed silence names: lower-case letters, digits, dots and dashes, like a Kubernetes resource name. */
    private static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");
    private static final Logger LOG = LoggerFactory.getLogger(SilenceCommand.class);
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--target", paramLabel = "NAMESPACE/COMPONENT/INSTANCE",
            description = "Silence this one target, for example rag-prod/vectorstore/shard-5.")
    private String target;

    @Option(names = "--component", paramLabel = "NAMESPACE/COMPONENT",
            description = "Silence every instance of this component, for example rag-prod/generator.")
    private String component;

    @Option(names = "--for", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the silence lasts from now, such as 30m, 2h or 1d; required unless --remove.")
    private Duration duration;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Name of the silence: lower-case letters, digits, dots and dashes (default: the matched"
                    + " names and the start time in UTC, such as rag-prod-vectorstore-shard-5-20261130-091200)."
                    + " A silence with the same name is replaced.")
    private String name;

    @Option(names = "--remove", paramLabel = "NAME",
            description = "Withdraw the silence NAME instead of writing one. --reason is then optional and only"
                    + " logged, because a tombstone has no value to store it in.")
    private String remove;

    @Option(names = "--by", paramLabel = "NAME",
            description = "Who gives the instruction, stored as the record's createdBy (default: the OS user name).")
    private String by;

    @Option(names = "--reason", paramLabel = "TEXT",
            description = "Why, stored as the record's comment; required unless --remove.")
    private String reason;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        if (remove != null) {
            return remove();
        }
        final TargetMatcher matcher = matcher();
        if (duration == null) {
            throw usage("missing --for: say how long the silence lasts, such as 30m or 2h");
        }
        if (reason == null || reason.isBlank()) {
            throw usage("missing --reason: say why the targets are silenced");
        }
        final String silenceName = name != null ? checkedName(name, "--name") : defaultName(matcher, Instant.now());
        final String createdBy = OperatorOptions.createdBy(by, spec.commandLine());
        final ClusterSettings settings = connection.settings();
        final Topics topics = settings.topics();

        final Instant startsAt = Instant.now();
        final Instant endsAt = startsAt.plus(duration);
        final String key = ControlView.SILENCE_PREFIX + silenceName;
        final ControlRecord record = new ControlRecord(createdBy, startsAt, reason.trim(),
                new Silence(matcher, startsAt, endsAt));
        final RecordMetadata written = ControlWriter.write(settings, topics.control(), key, record);
        final PrintWriter out = spec.commandLine().getOut();
        out.println("Wrote " + key + " (" + describe(matcher) + " silenced by " + createdBy + " until " + endsAt
                + ") to " + ControlWriter.position(written) + ". Withdraw it early with `rag-reactor silence"
                + " --remove " + silenceName + "`.");
        out.flush();
        return CommandLine.ExitCode.OK;
    }

    private int remove() {
        if (target != null || component != null || duration != null || name != null) {
            throw usage("--remove takes only the name of the silence; leave out --target, --component, --for and"
                    + " --name");
        }
        final String silenceName = checkedName(remove, "--remove");
        final ClusterSettings settings = connection.settings();
        final Topics topics = settings.topics();
        final String key = ControlView.SILENCE_PREFIX + silenceName;
        final Map<String, ControlRecord> control = TopicReader.readLatest(settings, topics.control(),
                spec.commandLine().getErr());
        if (!(control.get(key) != null && control.get(key).getInstruction() instanceof Silence)) {
            final String known = String.join(", ", control.keySet().stream()
                    .filter(existing -> existing.startsWith(ControlView.SILENCE_PREFIX))
                    .map(existing -> existing.substring(ControlView.SILENCE_PREFIX.length()))
                    .toList());
            throw new CommandFailedException("silence '" + silenceName + "' not found on " + topics.control().name()
                    + (known.isEmpty() ? "; there are no silences" : "; silences: " + known));
        }
        final String createdBy = OperatorOptions.createdBy(by, spec.commandLine());
        LOG.info("Removing silence=[{}] by=[{}] reason=[{}]",
                silenceName, createdBy, reason == null ? "" : reason.trim());
        final RecordMetadata written = ControlWriter.write(settings, topics.control(), key, null);
        final PrintWriter out = spec.commandLine().getOut();
        out.println("Wrote a tombstone for " + key + " to " + ControlWriter.position(written)
                + ": the silence is withdrawn.");
        out.flush();
        return CommandLine.ExitCode.OK;
    }

    /** Returns the matcher of --target or --component, exactly one of which must be set and valid. */
    private TargetMatcher matcher() {
        if ((target == null) == (component == null)) {
            throw usage("pass exactly one of --target NAMESPACE/COMPONENT/INSTANCE and --component"
                    + " NAMESPACE/COMPONENT");
        }
        if (target != null) {
            final Target parsed = Target.parse(target.trim()).orElseThrow(() -> usage("invalid --target '" + target
                    + "': expected namespace/component/instance, each a valid Kubernetes name (lower-case letters,"
                    + " digits and dashes)"));
            return new TargetMatcher(parsed.namespace(), parsed.component(), parsed.instance());
        }
        final String[] parts = component.trim().split("/", -1);
        if (parts.length != 2 || !Target.isDnsLabel(parts[0]) || !Target.isDnsLabel(parts[1])) {
            throw usage("invalid --component '" + component + "': expected namespace/component, each a valid"
                    + " Kubernetes name (lower-case letters, digits and dashes)");
        }
        return new TargetMatcher(parts[0], parts[1], null);
    }

    private String checkedName(final String value, final String option) {
        if (!NAME.matcher(value).matches()) {
            throw usage("invalid " + option + " '" + value + "': a silence name has 1 to 253 lower-case letters,"
                    + " digits, dots and dashes, and starts and ends with a letter or digit");
        }
        return value;
    }

    /** Returns a name made of the matcher's parts and the start time, such as rag-prod-generator-20261130-091200. */
    static String defaultName(final TargetMatcher matcher, final Instant at) {
        return matcher.getNamespace() + "-" + matcher.getComponent()
                + (matcher.getInstance() == null ? "" : "-" + matcher.getInstance()) + "-" + NAME_TIME.format(at);
    }

    private static String describe(final TargetMatcher matcher) {
        return matcher.getInstance() == null
                ? "every instance of " + matcher.getNamespace() + "/" + matcher.getComponent()
                : matcher.getNamespace() + "/" + matcher.getComponent() + "/" + matcher.getInstance();
    }

    private CommandLine.ParameterException usage(final String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
