package io.ragreactor.reactor.control;

import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.IncidentAction;
import io.ragreactor.schemas.control.KillSwitch;
import io.ragreactor.schemas.control.MaintenanceWindow;
import io.ragreactor.schemas.control.Silence;
import io.ragreactor.schemas.control.TargetMatcher;
import io.ragreactor.schemas.target.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' instructions from the compacted control topic, read from the global store of which every
 * reactor instance keeps a full copy. Records are kept as the topic's bytes and decoded on read, so one bad
 * record is skipped with a warning instead of stopping the reactor.
 */
public final class ControlView {

    /** Name of the global store that mirrors the control topic. */
    public static final String STORE = "control";

    public static final String KILL_SWITCH_KEY = "kill-switch";
    public static final String SILENCE_PREFIX = "silence/";
    public static final String MAINTENANCE_PREFIX = "maintenance/";
    public static final String INCIDENT_PREFIX = "incident/";

    private static final Logger LOG = LoggerFactory.getLogger(ControlView.class);

    /** The reason automation does not act on a target at some time. */
    public record Hold(String reason) {
    }

    private final KeyValueStore<String, byte[]> store;
    private final Deserializer<ControlRecord> deserializer;
    private final String topic;

    public ControlView(final KeyValueStore<String, byte[]> store, final Deserializer<ControlRecord> deserializer,
                       final String topic) {
        this.store = store;
        this.deserializer = deserializer;
        this.topic = topic;
    }

    /** Returns the engaged kill switch, if there is one. */
    public Optional<Hold> killSwitch() {
        return decode(KILL_SWITCH_KEY, store.get(KILL_SWITCH_KEY))
                .filter(control -> control.getInstruction() instanceof KillSwitch kill && kill.getEngaged())
                .map(control -> new Hold("the kill switch is engaged by " + control.getCreatedBy()
                        + describe(control.getComment())));
    }

    /** Returns why no new incident may open for {@code target} at {@code at}: kill switch, silence or maintenance. */
    public Optional<Hold> suppressesNewIncidents(final Target target, final Instant at) {
        final Optional<Hold> kill = killSwitch();
        if (kill.isPresent()) {
            return kill;
        }
        for (final KeyValue<String, ControlRecord> entry : scan(SILENCE_PREFIX)) {
            if (entry.value.getInstruction() instanceof Silence silence
                    && covers(silence.getMatcher(), target, silence.getStartsAt(), silence.getEndsAt(), at)) {
                return Optional.of(new Hold("silenced by " + entry.key + " of " + entry.value.getCreatedBy() + " until "
                        + silence.getEndsAt() + describe(entry.value.getComment())));
            }
        }
        return maintenance(target, at);
    }

    /** Returns why a running ladder may not act on {@code target} at {@code at}: kill switch or maintenance. */
    public Optional<Hold> blocksAutomation(final Target target, final Instant at) {
        final Optional<Hold> kill = killSwitch();
        return kill.isPresent() ? kill : maintenance(target, at);
    }

    /** Returns the operators' actions on incidents, in key order. */
    public List<IncidentAction> incidentActions() {
        final List<IncidentAction> actions = new ArrayList<>();
        for (final KeyValue<String, ControlRecord> entry : scan(INCIDENT_PREFIX)) {
            if (entry.value.getInstruction() instanceof IncidentAction action) {
                actions.add(action);
            }
        }
        return actions;
    }

    /** Returns the control record of an operator's action on {@code incidentId}, if there is one. */
    public Optional<ControlRecord> incidentAction(final String incidentId) {
        final String key = INCIDENT_PREFIX + incidentId;
        return decode(key, store.get(key)).filter(control -> control.getInstruction() instanceof IncidentAction);
    }

    private Optional<Hold> maintenance(final Target target, final Instant at) {
        for (final KeyValue<String, ControlRecord> entry : scan(MAINTENANCE_PREFIX)) {
            if (entry.value.getInstruction() instanceof MaintenanceWindow window
                    && covers(window.getMatcher(), target, window.getStartsAt(), window.getEndsAt(), at)) {
                return Optional.of(new Hold("under maintenance " + entry.key + " of " + entry.value.getCreatedBy()
                        + " until " + window.getEndsAt() + describe(entry.value.getComment())));
            }
        }
        return Optional.empty();
    }

    private List<KeyValue<String, ControlRecord>> scan(final String prefix) {
        final List<KeyValue<String, ControlRecord>> records = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> entries = store.prefixScan(prefix, new StringSerializer())) {
            while (entries.hasNext()) {
                final KeyValue<String, byte[]> entry = entries.next();
                decode(entry.key, entry.value).ifPresent(control -> records.add(KeyValue.pair(entry.key, control)));
            }
        }
        return records;
    }

    private Optional<ControlRecord> decode(final String key, final byte[] bytes) {
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(deserializer.deserialize(topic, bytes));
        } catch (final SerializationException e) {
            LOG.warn("Skipping control record key=[{}]: it cannot be decoded: {}", key, e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean covers(final TargetMatcher matcher, final Target target, final Instant startsAt,
                                  final Instant endsAt, final Instant at) {
        return matcher.getNamespace().equals(target.namespace()) && matcher.getComponent().equals(target.component())
                && (matcher.getInstance() == null || matcher.getInstance().equals(target.instance()))
                && !at.isBefore(startsAt) && at.isBefore(endsAt);
    }

    private static String describe(final String comment) {
        return comment == null || comment.isBlank() ? "" : " (" + comment + ")";
    }
}
