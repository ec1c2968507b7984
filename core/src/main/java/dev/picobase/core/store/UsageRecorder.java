package dev.picobase.core.store;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers, in memory, when each instance last served a request and each API key was last used,
 * and what each instance used (requests, body bytes in and out, cold starts, awake time, the size of
 * its latest snapshot), and writes it all to the metadata store in batches ({@link #flush}, every few
 * seconds). The gateway's hot path only does a map put and a few {@link LongAdder} adds; the database
 * sees one write per active instance or key per flush, not one per request.
 *
 * <p>Usage is kept per UTC day: what was counted between two flushes goes to the day of the later
 * flush (so a request in the last two seconds of a day may count on the next), added to the day's row
 * in one statement ({@link MetadataStore#addUsage}). Awake time accrues in memory at each
 * {@link #tick} (a few times a second) for every instance running here, from its cold start or the
 * previous tick, so a stop between two ticks goes uncounted for at most that interval. A failed write
 * keeps its counts for the next flush.
 *
 * <p>Threading: {@link #instanceActive}, {@link #keyUsed}, {@link #exchange}, {@link #coldStarted} and
 * {@link #snapshotSaved} are lock-free and may be called on event loops; {@link #flush} blocks
 * (database) and runs on a scheduler thread (or at shutdown), one at a time.
 */
public final class UsageRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(UsageRecorder.class);

    private final MetadataStore store;
    private final Clock clock;
    private final Map<String, Instant> instances = new ConcurrentHashMap<>();
    private final Map<String, Instant> keys = new ConcurrentHashMap<>();
    private final Map<String, Counts> counts = new ConcurrentHashMap<>();
    /** Running instances: the {@link System#nanoTime} up to which their awake time is counted. */
    private final Map<String, Long> awakeSince = new ConcurrentHashMap<>();
    private volatile Supplier<Set<String>> running = Set::of;

    /** One instance's counts since the last flush. */
    private static final class Counts {
        final LongAdder requests = new LongAdder();
        final LongAdder bytesIn = new LongAdder();
        final LongAdder bytesOut = new LongAdder();
        final LongAdder coldStarts = new LongAdder();
        final LongAdder awakeNanos = new LongAdder();
        final java.util.concurrent.atomic.AtomicReference<Long> snapshotBytes =
                new java.util.concurrent.atomic.AtomicReference<>();
    }

    public UsageRecorder(MetadataStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Set once at wiring time: the instances running on this node now (their awake time accrues). */
    public void runningInstances(Supplier<Set<String>> running) {
        this.running = running;
    }

    public void instanceActive(String instanceId) {
        instances.put(instanceId, clock.instant());
    }

    public void keyUsed(String keyId) {
        keys.put(keyId, clock.instant());
    }

    /** A request to the instance was served here: {@code bytesIn} body bytes came in, {@code bytesOut} went out. */
    public void exchange(String instanceId, long bytesIn, long bytesOut) {
        Counts c = countsOf(instanceId);
        c.requests.increment();
        if (bytesIn != 0) {
            c.bytesIn.add(bytesIn);
        }
        if (bytesOut != 0) {
            c.bytesOut.add(bytesOut);
        }
    }

    /** The instance was started on this node for a request or a call: awake from now. */
    public void coldStarted(String instanceId) {
        countsOf(instanceId).coldStarts.increment();
        awakeSince.put(instanceId, System.nanoTime());
    }

    /** A snapshot of {@code bytes} of the instance was saved: its latest size today. */
    public void snapshotSaved(String instanceId, long bytes) {
        countsOf(instanceId).snapshotBytes.set(bytes);
    }

    private Counts countsOf(String instanceId) {
        Counts c = counts.get(instanceId);
        return c != null ? c : counts.computeIfAbsent(instanceId, id -> new Counts());
    }

    /** Adds the time since the last tick (or its cold start) to each instance running here; no database. */
    public synchronized void tick() {
        long now = System.nanoTime();
        Set<String> up = running.get();
        for (String id : up) {
            Long since = awakeSince.put(id, now);
            if (since != null && now > since) {
                countsOf(id).awakeNanos.add(now - since);
            }
        }
        awakeSince.keySet().retainAll(up);
    }

    /** Writes what was recorded since the last flush. */
    public synchronized void flush() {
        tick();
        drain(instances, store::recordActivity);
        drain(keys, store::recordKeyUse);
        flushUsage();
    }

    private void flushUsage() {
        String day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).toString();
        for (String id : counts.keySet()) {
            // Read and reset cell by cell (LongAdder.sumThenReset): an add racing with this flush lands
            // in this flush or the next, never in neither. The Counts stay for the next flush.
            Counts c = counts.get(id);
            if (c == null) {
                continue;
            }
            long requests = c.requests.sumThenReset();
            long in = c.bytesIn.sumThenReset();
            long out = c.bytesOut.sumThenReset();
            long starts = c.coldStarts.sumThenReset();
            Long snapshot = c.snapshotBytes.getAndSet(null);
            long awakeNanos = c.awakeNanos.sumThenReset();
            long awakeMillis = awakeNanos / 1_000_000;
            c.awakeNanos.add(awakeNanos - awakeMillis * 1_000_000); // the part under a millisecond waits
            if (requests == 0 && in == 0 && out == 0 && starts == 0 && snapshot == null && awakeMillis == 0) {
                continue;
            }
            try {
                store.addUsage(id, day, requests, in, out, awakeMillis, starts, snapshot);
            } catch (RuntimeException e) {
                Counts back = countsOf(id); // try again at the next flush
                back.requests.add(requests);
                back.bytesIn.add(in);
                back.bytesOut.add(out);
                back.coldStarts.add(starts);
                back.awakeNanos.add(awakeMillis * 1_000_000);
                if (snapshot != null) {
                    back.snapshotBytes.compareAndSet(null, snapshot);
                }
                LOG.debug("could not record the usage of {}: {}", id, e.getMessage());
            }
        }
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
