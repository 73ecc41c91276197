package io.ragreactor.topology;

import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.IncidentAction;
import io.ragreactor.schemas.control.IncidentActionKind;
import io.ragreactor.schemas.control.KillSwitch;
import io.ragreactor.schemas.control.MaintenanceWindow;
import io.ragreactor.schemas.control.Silence;
import io.ragreactor.schemas.control.TargetMatcher;
import io.ragreactor.schemas.health.AlertOrigin;
import io.ragreactor.schemas.health.AlertStatus;
import java.time.Instant;

/** Builders of operators' control records and of alert origins for topology tests. */
final class Controls {

    private Controls() {
    }

    static ControlRecord silence(final String component, final String instance, final Instant startsAt,
                                 final Instant endsAt) {
        return record(startsAt, new Silence(new TargetMatcher("rag-prod", component, instance), startsAt, endsAt));
    }

    static ControlRecord maintenance(final String component, final String instance, final Instant startsAt,
                                     final Instant endsAt) {
        return record(startsAt, new MaintenanceWindow(new TargetMatcher("rag-prod", component, instance), startsAt,
                endsAt));
    }

    static ControlRecord killSwitch(final boolean engaged, final Instant at) {
        return record(at, new KillSwitch(engaged));
    }

    static ControlRecord incidentAction(final String incidentId, final String target, final IncidentActionKind kind,
                                        final Instant at) {
        return record(at, new IncidentAction(incidentId, target, kind));
    }

    static AlertOrigin firing(final String alertName, final String fingerprint, final Instant startsAt) {
        return new AlertOrigin(alertName, fingerprint, startsAt, AlertStatus.FIRING);
    }

    static AlertOrigin resolved(final String alertName, final String fingerprint, final Instant startsAt) {
        return new AlertOrigin(alertName, fingerprint, startsAt, AlertStatus.RESOLVED);
    }

    private static ControlRecord record(final Instant at, final Object instruction) {
        return new ControlRecord("oncall@example.org", at, "topology test", instruction);
    }
}
