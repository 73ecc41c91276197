package io.ragreactor.runbook;

import java.util.List;

/** The runbook file is invalid; the message lists every problem with its line and key. */
public class RunbookException extends RuntimeException {

    private final List<String> problems;

    public RunbookException(final String source, final List<String> problems) {
        super("invalid runbook " + source + ":\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One entry per problem, each naming the line and key, for example {@code line 12, key namespace: ...}. */
    public List<String> problems() {
        return problems;
    }
}
