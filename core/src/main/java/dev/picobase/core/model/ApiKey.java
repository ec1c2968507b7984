package dev.picobase.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * An API key as stored: its public id (the part after {@code pbk_} that the gateway looks up), the
 * bcrypt hash of its secret, and display data. The secret itself is never stored.
 */
public record ApiKey(
        String id,
        String instanceId,
        String name,
        String secretHash,
        String lastFour,
        Instant createdAt,
        Optional<Instant> lastUsedAt) {

    /** What listings show in place of the key: the prefix and public id, then the last characters. */
    public String displayHint() {
        return "pbk_" + id + "_…" + lastFour;
    }
}
