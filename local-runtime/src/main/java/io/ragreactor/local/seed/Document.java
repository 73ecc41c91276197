package io.ragreactor.local.seed;

import java.util.Objects;

/** A document of a shard's corpus, as the vectorstore indexes it and as snapshot parts store it. */
public record Document(String id, String text) {

    public Document {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
    }
}
