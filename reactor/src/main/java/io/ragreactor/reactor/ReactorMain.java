package io.ragreactor.reactor;

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

    public static void main(final String[] args) throws IOException, InterruptedException {
        final Map<String, Object> values = new HashMap<>();
        if (args.length > 0) {
            final Properties file = new Properties();
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                file.load(in);
            }
            file.forEach((key, value) -> values.put((String) key, value));
        }
        final ReactorConfig config;
        try {
            config = ReactorConfig.from(values, System.getenv());
        } catch (final ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final ReactorService service = ReactorService.start(config, Map.of());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "reactor-shutdown"));
        stopped.await();
    }
}
