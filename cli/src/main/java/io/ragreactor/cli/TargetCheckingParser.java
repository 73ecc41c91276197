package io.ragreactor.cli;

import io.ragreactor.ingress.LineParser;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.schemas.deadletter.DeadLetterReason;
import io.ragreactor.schemas.target.Target;
import java.util.Optional;

/**
 * Rejects events whose target is not {@code namespace/component/instance} of valid Kubernetes names before
 * they are produced, with the reason the reactor would dead-letter them for.
 */
final class TargetCheckingParser implements LineParser {

    private final LineParser parser;

    TargetCheckingParser(final LineParser parser) {
        this.parser = parser;
    }

    @Override
    public ParsedLine parse(final String line) {
        final ParsedLine parsed = parser.parse(line);
        if (parsed instanceof ParsedLine.Event event) {
            return invalidTarget(event.event().getTarget()).map(message -> (ParsedLine) message).orElse(parsed);
        }
        return parsed;
    }

    /** Returns the rejection of {@code target} when it is not a valid target. */
    static Optional<ParsedLine.Rejected> invalidTarget(final String target) {
        if (Target.parse(target).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new ParsedLine.Rejected(DeadLetterReason.INVALID_TARGET, "target '" + target + "' is not"
                + " namespace/component/instance of valid Kubernetes names (lower-case letters, digits and dashes)"));
    }
}
