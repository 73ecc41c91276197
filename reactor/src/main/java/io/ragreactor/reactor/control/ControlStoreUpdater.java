package io.ragreactor.reactor.control;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Copies the control topic into the global {@link ControlView#STORE} as it comes: bytes in, bytes kept, a
 * tombstone deletes. Decoding waits for the read, so a bad record cannot stop the global thread.
 */
public final class ControlStoreUpdater implements Processor<String, byte[], Void, Void> {

    private KeyValueStore<String, byte[]> store;

    @Override
    public void init(final ProcessorContext<Void, Void> context) {
        this.store = context.getStateStore(ControlView.STORE);
    }

    @Override
    public void process(final Record<String, byte[]> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), record.value());
        }
    }
}
