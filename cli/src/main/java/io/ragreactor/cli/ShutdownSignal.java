package io.ragreactor.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a long-running command wait for Ctrl-C or SIGTERM and then close its servers itself. The JVM's shutdown
 * hook only wakes the command up and keeps the JVM from exiting until {@link #close()} or {@link #CLOSE_TIMEOUT},
 * so that the command's own try-with-resources stops everything in order.
 */
final class ShutdownSignal implements AutoCloseable {

    /** Maximum time the JVM waits at exit for the command to close what it started. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread hook;

    private ShutdownSignal(final String commandName) {
        this.hook = new Thread(() -> {
            requested.countDown();
            try {
                closed.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, commandName + "-shutdown");
    }

    /** Registers the shutdown hook of the command {@code commandName}. */
    static ShutdownSignal install(final String commandName) {
        final ShutdownSignal signal = new ShutdownSignal(commandName);
        Runtime.getRuntime().addShutdownHook(signal.hook);
        return signal;
    }

    /** Blocks until Ctrl-C or SIGTERM. */
    void await() throws InterruptedException {
        requested.await();
    }

    /** Releases the shutdown hook, or removes it when the JVM is not shutting down. */
    @Override
    public void close() {
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException e) {
            // The JVM is shutting down, after Ctrl-C: the hook is running and now returns.
        }
    }
}
