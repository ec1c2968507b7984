package dev.picobase.core.runtime;

import dev.picobase.core.model.Lease;
import dev.picobase.core.model.Snapshot;
import dev.picobase.core.model.StoredSecret;
import dev.picobase.core.model.TakenLease;
import dev.picobase.core.store.MetadataStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's leases on the instances it runs, when several nodes share one metadata database
 * (cluster mode; with the embedded SQLite file there is one node and {@link #single()} checks
 * nothing). A lease is taken before an instance starts (one conditional statement, which also
 * returns the current snapshot), renewed for all held instances in one statement every interval,
 * and given up after a stop's save. Each take bumps the lease's epoch, and this node moves an
 * instance's snapshot pointer only at the epoch it holds ({@link #movePointer}), so a node that lost
 * a lease (paused, partitioned) can never overwrite newer data.
 *
 * <p>When a lease stops being ours is judged on this node's monotonic clock, never by comparing
 * its wall clock with the database's: a lease is ours until the moment its last take or renewal was
 * sent, plus the TTL, minus a safety margin (a fifth of the TTL, at least 500 ms). The database
 * cannot give it to another node before the TTL has passed from a moment after that send.
 *
 * <p>Threading: thread-safe; {@link #take}, {@link #renew}, {@link #release} and
 * {@link #movePointer} block (one database statement each) and run on blocking executors;
 * {@link #valid} is a map read for the gateway's hot path.
 */
public final class NodeLeases {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLeases.class);

    private record Held(long epoch, long validUntilNanos) {}

    /**
     * A lease taken: its epoch, the instance's current snapshot as the same statement saw it, and
     * whether it continues this node's previous lease on the instance (the epoch is exactly one more:
     * no other node held it in between, so what this node has of the instance is still the newest);
     * with the instance's idle timeout and secrets, read by the same statement.
     */
    public record Taken(long epoch, Optional<Snapshot> current, boolean continuous, Optional<Duration> idleTimeout,
            List<StoredSecret> secrets) {}

    /** Another node seen holding an instance's lease, believed until {@code untilNanos}. */
    private record Owner(String nodeId, long untilNanos) {}

    /**
     * How long a node seen holding a lease is believed without asking the database again: a request
     * for its instance goes straight to it. Short, because the owner may give the lease back at any
     * moment; a hop that cannot connect forgets it at once ({@link #forgetOwner}).
     */
    private static final long OWNER_FRESH_NANOS = Duration.ofSeconds(1).toNanos();

    private final MetadataStore store;
    private final String nodeId;
    private final Duration ttl;
    private final long marginNanos;
    private final ConcurrentHashMap<String, Held> held = new ConcurrentHashMap<>();
    /** The epoch of this node's last lease on each instance, kept after the lease is lost or given back. */
    private final ConcurrentHashMap<String, Long> lastEpochs = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong renewalsFailed = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong lost = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong takeovers = new java.util.concurrent.atomic.AtomicLong();
    private final ConcurrentHashMap<String, Owner> owners = new ConcurrentHashMap<>();

    private NodeLeases(MetadataStore store, String nodeId, Duration ttl) {
        this.store = store;
        this.nodeId = nodeId;
        this.ttl = ttl;
        this.marginNanos = Math.max(ttl.toNanos() / 5, Duration.ofMillis(500).toNanos());
    }

    /** One node on its own metadata file: no leases, every instance is this node's. */
    public static NodeLeases single() {
        return new NodeLeases(null, null, Duration.ZERO);
    }

    /** A node of a cluster sharing {@code store}. */
    public static NodeLeases cluster(MetadataStore store, String nodeId, Duration ttl) {
        return new NodeLeases(store, nodeId, ttl);
    }

    public boolean enabled() {
        return store != null;
    }

    public String nodeId() {
        return nodeId;
    }

    /**
     * Takes the instance's lease for this node (one statement). Throws
     * {@link InstanceElsewhereException} when another node holds it, naming that node.
     */
    Taken take(String instanceId) {
        if (!enabled()) {
            return new Taken(0, Optional.empty(), true, Optional.empty(), List.of());
        }
        long sent = System.nanoTime();
        Optional<TakenLease> taken = store.takeLeaseWithSnapshot(instanceId, nodeId, ttl);
        if (taken.isEmpty()) {
            Optional<String> owner = store.leaseOf(instanceId).filter(Lease::live).map(Lease::nodeId)
                    .filter(n -> !n.equals(nodeId));
            owner.ifPresent(n -> owners.put(instanceId, new Owner(n, System.nanoTime() + OWNER_FRESH_NANOS)));
            throw new InstanceElsewhereException(instanceId, owner.orElse("another node"));
        }
        owners.remove(instanceId);
        if (taken.get().takeover()) {
            takeovers.incrementAndGet();
        }
        long epoch = taken.get().lease().epoch();
        Long previous = lastEpochs.put(instanceId, epoch);
        held.put(instanceId, new Held(epoch, sent + ttl.toNanos() - marginNanos));
        return new Taken(epoch, taken.get().current(), previous != null && epoch == previous + 1,
                taken.get().idleTimeout(), taken.get().secrets());
    }

    /**
     * The node that held the instance's lease when this node last failed to take it, if that was
     * less than a second ago: a request for the instance goes there without a database round trip.
     * Empty on a single node, for an instance this node holds, or when not known lately.
     */
    public Optional<String> ownerElsewhere(String instanceId) {
        Owner o = owners.get(instanceId);
        if (o == null) {
            return Optional.empty();
        }
        if (System.nanoTime() - o.untilNanos() >= 0) {
            owners.remove(instanceId, o);
            return Optional.empty();
        }
        return Optional.of(o.nodeId());
    }

    /** The node holding a live lease on the instance now (this one included), by one read; empty if none. */
    public Optional<String> liveHolder(String instanceId) {
        if (!enabled()) {
            return Optional.empty();
        }
        return store.leaseOf(instanceId).filter(Lease::live).map(Lease::nodeId);
    }

    /** A request could not reach the owner last seen: ask the database again next time. */
    public void forgetOwner(String instanceId) {
        owners.remove(instanceId);
    }

    /** Whether this node may serve the instance now: always on a single node. */
    public boolean valid(String instanceId) {
        if (!enabled()) {
            return true;
        }
        Held h = held.get(instanceId);
        return h != null && System.nanoTime() - h.validUntilNanos() < 0;
    }

    /** Whether this node holds (or believes it holds) a lease on the instance, valid or not. */
    boolean holds(String instanceId) {
        return !enabled() || held.containsKey(instanceId);
    }

    /**
     * Renews every held lease in one statement; returns the instances whose lease is no longer this
     * node's (not renewed, or past its margin already), which are forgotten here: the caller stops
     * serving them.
     */
    Set<String> renew() {
        if (!enabled()) {
            return Set.of();
        }
        try {
            store.heartbeat(nodeId); // the cluster listing's "last seen"
        } catch (RuntimeException e) {
            LOG.warn("node {}: heartbeat failed: {}", nodeId, e.getMessage());
        }
        if (held.isEmpty()) {
            return Set.of();
        }
        Map<String, Long> epochs = new HashMap<>();
        held.forEach((id, h) -> epochs.put(id, h.epoch()));
        long sent = System.nanoTime();
        Set<String> renewed = renewOrNone(epochs);
        for (String id : renewed) {
            held.computeIfPresent(id, (k, h) -> h.epoch() == epochs.get(id)
                    ? new Held(h.epoch(), sent + ttl.toNanos() - marginNanos) : h);
        }
        Set<String> lostNow = epochs.keySet().stream()
                .filter(id -> !renewed.contains(id) && !valid(id))
                .collect(Collectors.toSet());
        lostNow.forEach(id -> held.computeIfPresent(id, (k, h) -> h.epoch() == epochs.get(id) ? null : h));
        lost.addAndGet(lostNow.size());
        return lostNow;
    }

    private Set<String> renewOrNone(Map<String, Long> epochs) {
        try {
            return store.renewLeases(nodeId, epochs, ttl);
        } catch (RuntimeException e) {
            LOG.warn("renewing {} leases failed (they lapse on their own margins): {}", epochs.size(), e.getMessage());
            renewalsFailed.incrementAndGet();
            return Set.of();
        }
    }

    /**
     * Throws {@link InstanceElsewhereException} when another node holds a live lease on the instance
     * (one statement; none when this node holds it or on a single node): a stop or restore must act
     * where the instance runs.
     */
    void checkNotElsewhere(String instanceId) {
        if (!enabled() || held.containsKey(instanceId)) {
            return;
        }
        store.leaseOf(instanceId).filter(Lease::live).filter(l -> !l.nodeId().equals(nodeId)).ifPresent(l -> {
            throw new InstanceElsewhereException(instanceId, l.nodeId());
        });
    }

    /** Gives the lease up (after a stop's save), so another node may take it at once. */
    void release(String instanceId) {
        if (!enabled()) {
            return;
        }
        Held h = held.remove(instanceId);
        if (h != null) {
            try {
                store.releaseLease(instanceId, nodeId, h.epoch());
            } catch (RuntimeException e) {
                LOG.warn("instance {}: could not release its lease (it expires on its own): {}", instanceId,
                        e.getMessage());
            }
        }
    }

    /** The instance was deleted: its lease row went with it. */
    void forget(String instanceId) {
        held.remove(instanceId);
        lastEpochs.remove(instanceId);
        owners.remove(instanceId);
    }

    /**
     * Moves the instance's pointer to {@code snapshotId} only at the epoch this node took the lease at
     * (false, pointer untouched, otherwise). Cluster mode only: a single node's {@link
     * dev.picobase.core.snapshot.Snapshots} moves pointers unconditionally.
     */
    public boolean movePointer(String instanceId, String snapshotId) {
        if (!enabled()) {
            throw new IllegalStateException("a single node holds no leases");
        }
        Held h = held.get(instanceId);
        return h != null && store.pointToSnapshot(instanceId, snapshotId, nodeId, h.epoch());
    }

    /** Renewal statements that failed (metrics). */
    public long renewalsFailed() {
        return renewalsFailed.get();
    }

    /** Leases this node took from another node that had not given them back (metrics). */
    public long takeovers() {
        return takeovers.get();
    }

    /** Leases lost while held (metrics). */
    public long lost() {
        return lost.get();
    }

    /** How many leases this node holds (metrics). */
    public int heldCount() {
        return held.size();
    }
}
