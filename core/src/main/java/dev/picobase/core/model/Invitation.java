package dev.picobase.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * A single-use sign-up invitation an operator created. Its token is never part of this type: only
 * its SHA-256 is stored. {@code email}, when present, is the only address that may use it.
 */
public record Invitation(String id, Optional<String> email, Optional<String> note, String createdBy,
                         Instant createdAt, Instant expiresAt, Optional<String> usedBy, Optional<Instant> usedAt) {

    /** What the operator reads: {@code pending} (usable), {@code used} or {@code expired}. */
    public String state(Instant now) {
        if (usedBy.isPresent()) {
            return "used";
        }
        return now.isBefore(expiresAt) ? "pending" : "expired";
    }
}
