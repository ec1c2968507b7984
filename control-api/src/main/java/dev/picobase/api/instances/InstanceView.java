package dev.picobase.api.instances;

import dev.picobase.config.PicoBaseConfig;
import dev.picobase.config.RateLimit;
import dev.picobase.core.model.Instance;
import java.time.Instant;

/**
 * The public JSON view of an instance ({@code idleTimeoutSeconds} null: the platform default, which
 * {@code idleTimeoutDefaultSeconds} gives, so a client can say what "default" means; likewise
 * {@code rateLimit} null: {@code rateLimitDefault}, itself null when the platform sets no limit).
 */
public record InstanceView(
        String id,
        String name,
        String subdomain,
        String status,
        String statusReason,
        String url,
        Instant createdAt,
        Instant updatedAt,
        Instant lastActivityAt,
        Long idleTimeoutSeconds,
        long idleTimeoutDefaultSeconds,
        RateLimit rateLimit,
        RateLimit rateLimitDefault) {

    static InstanceView of(Instance i, PicoBaseConfig config) {
        return new InstanceView(i.id(), i.name(), i.subdomain(), i.status().wireName(), i.statusReason().orElse(null),
                config.instanceUrl(i.subdomain()), i.createdAt(), i.updatedAt(), i.lastActivityAt().orElse(null),
                i.idleTimeout().map(d -> d.toSeconds()).orElse(null), config.idleTimeout().toSeconds(),
                i.rateLimit().orElse(null), config.gateway().rateLimitDefault().orElse(null));
    }
}
