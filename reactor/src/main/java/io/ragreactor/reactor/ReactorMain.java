package io.ragreactor.reactor;

import io.ragreactor.runbook.RunbookException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;

/** Entry point of the reactor deployable: {@code java -cp ... io.ragreactor.reactor.ReactorMain [config.properties]}. */
public final class ReactorMain {

    private ReactorMain() {
    }

    public static void main(final String[] args) throws InterruptedException {
        final ReactorConfig config;
        final ReactorService service;
        try {
            config = ReactorConfig.from(readProperties(args), System.getenv());
            service = ReactorService.start(config, Map.of());
        } catch (final ConfigException | RunbookException | IOException e) {
            System.err.println("rag-reactor reactor: " + e.getMessage());
            System.exit(2);
            return;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "reactor-shutdown"));
        stopped.await();
    }

    /** Reads the properties file named by the first argument, or returns none when there is no argument. */
    private static Map<String, Object> readProperties(final String[] args) throws IOException {
        final Map<String, Object> values = new HashMap<>();
        if (args.length > 0) {
            final Properties file = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                file.load(in);
            } catch (final java.nio.file.NoSuchFileException e) {
                throw new IOException("configuration file " + args[0] + " not found", e);
            }
            file.forEach((key, value) -> values.put((String) key, value));
        }
        return values;
    }
}
