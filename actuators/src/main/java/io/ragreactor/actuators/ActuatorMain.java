package io.ragreactor.actuators;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs one actuator instance until SIGTERM. Usage: {@code ActuatorMain [config.properties]}; environment
 * variables {@code RAG_REACTOR_*} override the file. On SIGTERM the commands in flight finish or time out
 * and their outcomes are published before the process exits.
 */
public final class ActuatorMain {

    private static final Logger LOG = LoggerFactory.getLogger(ActuatorMain.class);

    private ActuatorMain() {
    }

    public static void main(final String[] args) {
        final ActuatorConfig config;
        try {
            config = ActuatorConfig.of(readProperties(args), System.getenv());
        } catch (final ConfigException | IOException e) {
            LOG.error("Invalid actuator configuration: {}", e.getMessage());
            System.exit(2);
            return;
        }
        final KubernetesClient kubernetes = ActuatorClients.kubernetes(config);
        final S3Client s3 = ActuatorClients.s3(config);
        final ActuatorService service = new ActuatorService(config, kubernetes, s3);
        final AtomicBoolean terminating = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            terminating.set(true);
            LOG.info("Shutdown requested, finishing commands in flight: instance=[{}]", config.instanceId());
            service.close();
            kubernetes.close();
            s3.close();
        }, "actuator-shutdown"));
        service.start();
        service.awaitStopped();
        if (!terminating.get()) {
            // The service stopped on its own after a fatal error; a non-zero exit lets the platform restart it.
            LOG.error("Actuator stopped unexpectedly: instance=[{}]", config.instanceId());
            System.exit(1);
        }
    }

    private static Map<String, Object> readProperties(final String[] args) throws IOException {
        final Map<String, Object> values = new HashMap<>();
        if (args.length == 0) {
            return values;
        }
        final Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            properties.load(in);
        }
        properties.forEach((key, value) -> values.put(String.valueOf(key), value));
        return values;
    }
}
