package dev.picobase.api.metrics;

import dev.picobase.core.model.InstanceStatus;
import dev.picobase.core.store.MetadataStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances by status, as one gauge per status ({@code picobase_instances{status="running"}}).
 * The counts come from the metadata store, which is the truth for statuses, in one
 * {@code GROUP BY status} statement (a row per status, not per instance), and are read at most
 * once per {@code maxAge}: the five gauges of one scrape share one read, and frequent or
 * concurrent scrapes inside that window cost no database reads.
 *
 * <p>Whoever binds this must keep it: Micrometer holds a gauge's state object only weakly, and an
 * {@code InstanceCounts} nobody else referenced was collected, after which every series read
 * {@code NaN} ({@link PlatformMetrics} keeps it). A read that fails also reads {@code NaN} (the
 * count is unknown, not zero) until the next read, at most {@code maxAge} later.
 *
 * <p>Threading: read on the scrape thread; the refresh is synchronized and blocks on the store.
 */
final class InstanceCounts {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceCounts.class);

    private final MetadataStore store;
    private final long maxAgeNanos;
    /** Null when the last read failed. */
    private Map<InstanceStatus, Long> counts;
    private long readAt;
    private boolean read;

    InstanceCounts(MetadataStore store, Duration maxAge) {
        this.store = store;
        this.maxAgeNanos = maxAge.toNanos();
    }

    void bindTo(MeterRegistry registry) {
        for (InstanceStatus status : InstanceStatus.values()) {
            Gauge.builder("picobase.instances", this, c -> c.count(status))
                    .description("Registered instances by status, from the metadata store (read at most once a "
                            + "second)")
                    .tag("status", status.wireName()).register(registry);
        }
    }

    synchronized double count(InstanceStatus status) {
        long now = System.nanoTime();
        if (!read || now - readAt > maxAgeNanos) {
            // Stamped before the read: a store that fails is asked again only after maxAge, not once per gauge.
            readAt = now;
            read = true;
            try {
                counts = store.countInstancesByStatus();
            } catch (RuntimeException e) {
                counts = null;
                LOG.warn("cannot count instances by status for /metrics: {}", e.toString());
            }
        }
        return counts == null ? Double.NaN : counts.getOrDefault(status, 0L);
    }
}
