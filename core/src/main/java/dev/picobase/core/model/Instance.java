package dev.picobase.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * One tenant project: a PocketBase server reachable at {@code <subdomain>.<base-domain>}.
 * {@code statusReason} explains a {@code failed} status; {@code lastActivityAt} is the last time a
 * request reached it through the gateway.
 */
public record Instance(
        String id,
        String ownerId,
        String name,
        String subdomain,
        InstanceStatus status,
        Optional<String> statusReason,
        Instant createdAt,
        Instant updatedAt,
        Optional<Instant> lastActivityAt) {
}
