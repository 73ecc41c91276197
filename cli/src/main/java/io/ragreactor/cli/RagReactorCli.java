package io.ragreactor.cli;

import io.ragreactor.schemas.registry.SchemaRegistryException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rag-reactor} command-line tool. */
@Command(name = "rag-reactor", mixinStandardHelpOptions = true, version = "rag-reactor 0.1.0",
        description = "Automated recovery for production RAG stacks, driven by Kafka Streams.",
        subcommands = {DemoCommand.class, ProduceCommand.class, TailCommand.class, IncidentsCommand.class,
            ResolveCommand.class, HandbackCommand.class, SilenceCommand.class, KillSwitchCommand.Pause.class,
            KillSwitchCommand.Resume.class, IngressCommand.class, LocalCommand.class, ReplayCommand.class,
            ShadowReplayCommand.class, CommandLine.HelpCommand.class})
public final class RagReactorCli {

    /** System property naming the log file of the command; see logback-cli.xml. */
    static final String LOG_FILE_PROPERTY = "RAG_REACTOR_LOG_FILE";

    public static void main(final String[] args) {
        // Must run before any logger exists: logback reads its configuration once, on first use.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "io/ragreactor/cli/logback-cli.xml");
        }
        if (System.getProperty(LOG_FILE_PROPERTY) == null) {
            final String fromEnvironment = System.getenv(LOG_FILE_PROPERTY);
            System.setProperty(LOG_FILE_PROPERTY, fromEnvironment != null ? fromEnvironment
                    : Path.of(System.getProperty("java.io.tmpdir"), defaultLogFileName(args)).toString());
        }
        System.exit(commandLine(System.getenv()).execute(args));
    }

    /**
     * Returns {@code rag-reactor-<command>.log} for a command name such as {@code local}, so that a {@code tail}
     * in a second terminal does not overwrite the log of a running {@code local}; {@code rag-reactor.log} otherwise.
     */
    static String defaultLogFileName(final String[] args) {
        if (args.length > 0 && args[0].matches("[a-z][a-z-]{0,30}")) {
            return "rag-reactor-" + args[0] + ".log";
        }
        return "rag-reactor.log";
    }

    /**
     * Creates the command line with its subcommands. Connection options without a value take their defaults
     * from {@code environment}. An expected failure (a {@link CommandFailedException}, or an error of the Kafka
     * clients or the schema registry) prints its message without a stack trace and exits with code 1.
     */
    static CommandLine commandLine(final Map<String, String> environment) {
        final CommandLine commandLine = new CommandLine(new RagReactorCli());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setDefaultValueProvider(new ConnectionOptions.EnvironmentDefaults(environment));
        commandLine.setExecutionExceptionHandler((exception, failed, parseResult) -> {
            if (!(exception instanceof CommandFailedException || exception instanceof KafkaException)) {
                throw exception;
            }
            final String prefix = exception instanceof SchemaRegistryException ? "schema registry error: "
                    : exception instanceof CommandFailedException ? "" : "Kafka error: ";
            final String hint = exception instanceof TimeoutException
                    ? "; check --bootstrap-servers and the security settings of --command-config" : "";
            // The logger is created here, not in a static field: logback must not start before main() has named
            // its configuration file.
            LoggerFactory.getLogger(RagReactorCli.class).warn("Command {} failed", failed.getCommandName(), exception);
            failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": " + prefix + exception.getMessage()
                    + hint);
            failed.getErr().flush();
            return CommandLine.ExitCode.SOFTWARE;
        });
        return commandLine;
    }

    /** Returns the path of the file the command logs to. */
    static String logFile() {
        return System.getProperty(LOG_FILE_PROPERTY);
    }
}
