package io.ragreactor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rag-reactor} command-line tool. */
@Command(name = "rag-reactor", mixinStandardHelpOptions = true, version = "rag-reactor 0.1.0",
        description = "Automated recovery for production RAG stacks, driven by Kafka Streams.",
        subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class RagReactorCli {

    public static void main(final String[] args) {
        System.exit(new CommandLine(new RagReactorCli()).execute(args));
    }
}
