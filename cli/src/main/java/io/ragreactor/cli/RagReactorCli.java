package io.ragreactor.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rag-reactor} command-line tool. */
@Command(name = "rag-reactor", mixinStandardHelpOptions = true, version = "rag-reactor 0.1.0",
        description = "Automated recovery for production RAG stacks, driven by Kafka Streams.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
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
                    : Path.of(System.getProperty("java.io.tmpdir"), "rag-reactor.log").toString());
        }
        System.exit(new CommandLine(new RagReactorCli()).execute(args));
    }

    /** Returns the path of the file the command logs to. */
    static String logFile() {
        return System.getProperty(LOG_FILE_PROPERTY);
    }
}
