package io.ragreactor.cli;

import java.time.Instant;
import java.util.Map;

/** One scenario of the demo: the input it plays into the health topic, and the checks that decide whether it passed. */
interface DemoScenario {

    /** Returns the scenario's name on the command line, for example {@code shard-down}. */
    String name();

    /** Returns one sentence on what the scenario plays, for the demo's header. */
    String description();

    /**
     * Returns runbook values (dotted key to value) the scenario changes so that it ends in demo time, for
     * example a shorter wait. The demo prints them. Empty when the shipped runbook works as it is.
     */
    default Map<String, String> runbookOverrides() {
        return Map.of();
    }

    /** Publishes the scenario's input to the health topic and returns when all of it is published. */
    void play(DemoRun run) throws Exception;

    /**
     * Waits until {@code deadline} at most for the scenario's incidents to close, prints what it found, and
     * returns whether the scenario passed.
     */
    boolean check(DemoRun run, Instant deadline) throws InterruptedException;

    /** Stops what {@link #play} left running, such as a sampler. */
    default void stop() {
    }
}
