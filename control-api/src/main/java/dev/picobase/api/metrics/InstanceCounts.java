package dev.picobase.api.metrics;

import dev.picobase.core.model.Instance;
import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.store.MetadataStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Instances by status, as one gauge per status ({@code picobase_instances{status="running"}}).
 * The counts come from the metadata store, which is the truth for statuses, but are read at most
 * once per {@code maxAge}: a scrape inside that window reuses the last counts, so frequent or
 * concurrent scrapes cost no database reads.
 *
 * <p>Threading: read on the scrape thread; the refresh is synchronized and blocks on the store.
 */
final class InstanceCounts {
    private final MetadataStore store;
    private final long maxAgeNanos;
    private Map<InstanceStatus, Integer> counts = new EnumMap<>(InstanceStatus.class);
    private long readAt;
    private boolean read;

    InstanceCounts(MetadataStore store, Duration maxAge) {
        this.store = store;
        this.maxAgeNanos = maxAge.toNanos();
    }

    void bindTo(MeterRegistry registry) {
        for (InstanceStatus status : InstanceStatus.values()) {
            Gauge.builder("picobase.instances", this, c -> c.count(status))
                    .description("Registered instances by status (refreshed at most every few seconds)")
                    .tag("status", status.wireName()).register(registry);
        }
    }

    synchronized int count(InstanceStatus status) {
        long now = System.nanoTime();
        if (!read || now - readAt > maxAgeNanos) {
            Map<InstanceStatus, Integer> fresh = new EnumMap<>(InstanceStatus.class);
            for (Instance i : store.listAllInstances()) {
                fresh.merge(i.status(), 1, Integer::sum);
            }
            counts = fresh;
            readAt = now;
            read = true;
        }
        return counts.getOrDefault(status, 0);
    }
}
