package io.ragreactor.actuators;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.utils.Time;

/**
 * Counters of one actuator instance, kept with Kafka's metrics library and exported over JMX under the
 * {@value #JMX_PREFIX} domain, group {@value #GROUP}, tagged with the instance id.
 */
public final class ActuatorMetrics implements AutoCloseable {

    public static final String JMX_PREFIX = "io.ragreactor.actuators";
    public static final String GROUP = "actuator-metrics";
    /** Commands skipped because their id already has an outcome. */
    public static final String DUPLICATE_COMMANDS = "duplicate-commands";
    /** Outcomes published and committed. */
    public static final String OUTCOMES_PUBLISHED = "outcomes-published";
    /** Command records skipped because they are not a valid command (not Avro, wrong schema, null value). */
    public static final String BAD_COMMANDS = "bad-commands";

    private final Metrics metrics;
    private final Map<String, String> tags;
    private final Sensor duplicates;
    private final Sensor published;
    private final Sensor bad;

    public ActuatorMetrics(final String instanceId) {
        this.tags = Map.of("instance-id", instanceId);
        this.metrics = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext(JMX_PREFIX));
        this.duplicates = counter(DUPLICATE_COMMANDS, "Commands skipped because their id already has an outcome.");
        this.published = counter(OUTCOMES_PUBLISHED, "Outcomes published in a committed transaction.");
        this.bad = counter(BAD_COMMANDS, "Command records skipped because they are not a valid command.");
    }

    private Sensor counter(final String name, final String description) {
        final Sensor sensor = metrics.sensor(name);
        sensor.add(metrics.metricName(name + "-total", GROUP, description, tags), new CumulativeCount());
        return sensor;
    }

    void recordDuplicate() {
        duplicates.record();
    }

    void recordPublished(final int count) {
        for (int i = 0; i < count; i++) {
            published.record();
        }
    }

    void recordBadCommand() {
        bad.record();
    }

    /** Returns the number of commands skipped because their id already had an outcome. */
    public long duplicateCommands() {
        return value(DUPLICATE_COMMANDS);
    }

    public long outcomesPublished() {
        return value(OUTCOMES_PUBLISHED);
    }

    public long badCommands() {
        return value(BAD_COMMANDS);
    }

    private long value(final String name) {
        final MetricName metricName = metrics.metricName(name + "-total", GROUP, "", tags);
        return ((Number) metrics.metric(metricName).metricValue()).longValue();
    }

    @Override
    public void close() {
        metrics.close();
    }
}
