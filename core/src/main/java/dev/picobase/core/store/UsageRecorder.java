package dev.picobase.core.store;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers, in memory, when each instance last served a request and each API key was last used,
 * and writes the latest times to the metadata store in batches ({@link #flush}, every few seconds).
 * The gateway's hot path only does a map put; the database sees one write per active instance or
 * key per flush, not one per request.
 *
 * <p>Threading: {@link #instanceActive} and {@link #keyUsed} are lock-free and may be called on
 * event loops; {@link #flush} blocks (database) and runs on a scheduler thread.
 */
public final class UsageRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(UsageRecorder.class);

    private final MetadataStore store;
    private final Clock clock;
    private final Map<String, Instant> instances = new ConcurrentHashMap<>();
    private final Map<String, Instant> keys = new ConcurrentHashMap<>();

    public UsageRecorder(MetadataStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public void instanceActive(String instanceId) {
        instances.put(instanceId, clock.instant());
    }

    public void keyUsed(String keyId) {
        keys.put(keyId, clock.instant());
    }

    /** Writes what was recorded since the last flush. */
    public void flush() {
        drain(instances, store::recordActivity);
        drain(keys, store::recordKeyUse);
    }

    private static void drain(Map<String, Instant> pending, java.util.function.BiConsumer<String, Instant> write) {
        for (String id : java.util.List.copyOf(pending.keySet())) {
            Instant at = pending.remove(id);
            if (at == null) {
                continue;
            }
            try {
                write.accept(id, at);
            } catch (RuntimeException e) {
                pending.putIfAbsent(id, at); // try again at the next flush
                LOG.debug("could not record usage of {}: {}", id, e.getMessage());
            }
        }
    }
}
