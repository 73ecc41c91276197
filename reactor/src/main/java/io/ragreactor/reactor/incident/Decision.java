package io.ragreactor.reactor.incident;

import java.time.Instant;

/** What a scenario's ladder decides next; {@link IncidentLadders} carries it out and applies the policies. */
public sealed interface Decision {

    /** Issues the first attempt of {@code step}. */
    record Issue(String step) implements Decision {
    }

    /** Waits without a pending command until {@code until}, unless an input decides earlier. */
    record Wait(String phase, Instant until) implements Decision {
    }

    /** Closes the incident as recovered. */
    record Recover(String summary) implements Decision {
    }

    /** Ends the ladder in an escalation to a human, with the evidence collected so far. */
    record Escalate(String summary) implements Decision {
    }

    /** Changes nothing. */
    record Stay() implements Decision {
    }

    static Decision issue(final String step) {
        return new Issue(step);
    }

    static Decision stay() {
        return new Stay();
    }
}
