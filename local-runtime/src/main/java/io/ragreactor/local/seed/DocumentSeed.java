package io.ragreactor.local.seed;

import java.util.List;

/** A document of the seed corpus and the shards that hold it; an empty shard list means every shard. */
public record DocumentSeed(String id, String text, List<String> shards) {

    public DocumentSeed {
        shards = List.copyOf(shards);
    }

    /** Returns whether the shard's corpus contains this document. */
    public boolean belongsTo(final String shard) {
        return shards.isEmpty() || shards.contains(shard);
    }

    /** Returns the document itself, without its shard list. */
    public Document document() {
        return new Document(id, text);
    }
}
