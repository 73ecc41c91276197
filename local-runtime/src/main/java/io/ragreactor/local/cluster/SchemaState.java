package io.ragreactor.local.cluster;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The database schema version of the simulated stack and the version its blocked containers require. Only the
 * version is modelled: no database, no migration lock.
 */
final class SchemaState {

    private final AtomicInteger version;
    private final int required;

    SchemaState(final int version, final int required) {
        this.version = new AtomicInteger(version);
        this.required = required;
    }

    int version() {
        return version.get();
    }

    int required() {
        return required;
    }

    boolean belowRequired() {
        return version.get() < required;
    }

    /** Raises the version to the required one, and returns the version before; a migration never lowers it. */
    int migrate() {
        return version.getAndAccumulate(required, Math::max);
    }
}
