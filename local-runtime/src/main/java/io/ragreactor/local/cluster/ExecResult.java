package io.ragreactor.local.cluster;

/** Output and exit code of a simulated {@code kubectl exec}. */
record ExecResult(int exitCode, String stdout, String stderr) {

    static final int EXIT_OK = 0;
    static final int EXIT_INDEX_BROKEN = 1;
    static final int EXIT_COMMAND_NOT_FOUND = 127;
}
