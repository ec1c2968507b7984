package dev.picobase.core.model;

import java.time.Instant;

/** A platform account. The password hash stays in the store; it is never part of this type. */
public record User(String id, String name, String email, Instant createdAt) {
}
