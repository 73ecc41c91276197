package io.ragreactor.schemas.topics;

/** The names of the product's topics; {@link #defaults()} gives the documented defaults. */
public record TopicNames(String health, String commands, String outcomes, String incidents, String healthDeadLetter,
                         String control, String budget) {

    public static TopicNames defaults() {
        return new TopicNames("rag.health", "rag.recovery.commands", "rag.recovery.outcomes", "rag.incidents",
                "rag.health.dlq", "rag.control", "rag.reactor.budget");
    }
}
