package dev.picobase.core.model;

import dev.picobase.config.RateLimit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One tenant project: a PocketBase server reachable at {@code <subdomain>.<base-domain>}.
 * {@code statusReason} explains a {@code failed} status; {@code lastActivityAt} is the last time a
 * request reached it through the gateway; {@code idleTimeout}, when set, overrides the platform's
 * {@code PICOBASE_IDLE_TIMEOUT} for this instance, as {@code rateLimit}, when set, overrides
 * {@code PICOBASE_RATE_LIMIT_DEFAULT}.
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
        Optional<Instant> lastActivityAt,
        Optional<Duration> idleTimeout,
        Optional<RateLimit> rateLimit) {
}
