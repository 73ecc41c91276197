package io.ragreactor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The operator and the reason of an instruction on the control topic, stored in the record as createdBy and
 * comment.
 */
final class OperatorOptions {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--by", paramLabel = "NAME",
            description = "Who gives the instruction, stored as the record's createdBy (default: the OS user name).")
    private String by;

    @Option(names = "--reason", paramLabel = "TEXT", required = true,
            description = "Why, stored as the record's comment, which the reactor quotes when it acts on the"
                    + " instruction; required.")
    private String reason;

    /** Returns --by, or the OS user name without it. */
    String createdBy() {
        return createdBy(by, spec.commandLine());
    }

    /**
     * Returns {@code by} when set, else the OS user name.
     *
     * @throws CommandLine.ParameterException when neither is known
     */
    static String createdBy(final String by, final CommandLine commandLine) {
        if (by != null && !by.isBlank()) {
            return by.trim();
        }
        final String user = System.getProperty("user.name");
        if (user == null || user.isBlank()) {
            throw new CommandLine.ParameterException(commandLine, "missing --by: the OS user name is not known here,"
                    + " so pass --by NAME");
        }
        return user;
    }

    /** Returns --reason, which must not be blank. */
    String reason() {
        if (reason == null || reason.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--reason must not be blank: say why, for"
                    + " the incident's history");
        }
        return reason.trim();
    }
}
