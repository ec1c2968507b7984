package dev.picobase.api.cluster;

import dev.picobase.core.runtime.HoldLimitException;
import dev.picobase.core.runtime.InstanceElsewhereException;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.store.UsageRecorder;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where this node's gateway sends a request for an instance: to its PocketBase here (woken first if
 * need be), or — in a cluster, when another node holds the lease — one hop to that node's gateway.
 *
 * <p>When a hop cannot reach the owner (it is draining for a restart, or dead), the request is held
 * here until the owner lets the instance go: one poll per instance, not per request, reads every
 * {@value #POLL_MILLIS} ms who holds the lease; once it is no longer that owner (its drain gave it
 * back after its last save, or the lease lapsed), every held request asks again where the instance
 * runs — here, woken once for all of them, or one hop to whichever node took it. At most
 * {@code holdMaxRequests} requests wait per instance, each at most the hold timeout; past either,
 * 503 with {@code Retry-After}.
 *
 * <p>Threading: called on event loops; never blocks (the lifecycle's wake-ups, the address look-ups
 * and the lease reads of the polls run on {@code blocking}; {@code timer} only schedules them).
 */
public final class NodeBackends implements Backends {
    private static final long POLL_MILLIS = 200;

    private final InstanceLifecycle lifecycle;
    private final UsageRecorder usage;
    private final ClusterHop hops;
    private final NodeAddresses nodes;
    private final ScheduledExecutorService timer;
    private final Executor blocking;
    private final long holdNanos;
    private final int holdMax;
    private final AtomicLong forwarded = new AtomicLong();
    /** Instances whose owner a hop could not reach, with the requests held until it lets go. */
    private final ConcurrentHashMap<String, OwnerWait> waits = new ConcurrentHashMap<>();

    /** Requests held for one instance until {@code owner} no longer holds its lease, or {@code deadline}. */
    private static final class OwnerWait {
        final String owner;
        final long deadline;
        final CompletableFuture<Void> released = new CompletableFuture<>();
        final AtomicInteger held = new AtomicInteger();

        OwnerWait(String owner, long deadline) {
            this.owner = owner;
            this.deadline = deadline;
        }
    }

    public NodeBackends(InstanceLifecycle lifecycle, UsageRecorder usage, ClusterHop hops, NodeAddresses nodes,
                        ScheduledExecutorService timer, Executor blocking, Duration holdTimeout, int holdMaxRequests) {
        this.lifecycle = lifecycle;
        this.usage = usage;
        this.hops = hops;
        this.nodes = nodes;
        this.timer = timer;
        this.blocking = blocking;
        this.holdNanos = holdTimeout.toNanos();
        this.holdMax = holdMaxRequests;
    }

    @Override
    public CompletableFuture<Target> targetFor(String instanceId) {
        CompletableFuture<Target> local = local(instanceId);
        return hops.enabled() ? local.exceptionallyCompose(t -> toOwner(instanceId, t)) : local;
    }

    /**
     * Here: {@code ensureRunning} counts the request in flight as it completes (under the wake's lock
     * for a held request), so a stop right after a wake waits for it.
     */
    private CompletableFuture<Target> local(String instanceId) {
        return lifecycle.ensureRunning(instanceId).thenApply(w -> {
            usage.instanceActive(instanceId);
            return new Target(w.address(), w.cold()
                    ? "restore;dur=" + w.restoreMillis() + ", boot;dur=" + w.bootMillis() : null);
        });
    }

    /**
     * Another node holds the lease: the request goes one hop to that node's gateway, not counted here
     * (the owner counts it). An owner that has left the node listing (it stopped, giving its leases
     * back) was seen a moment ago only: the lease is asked for again, once. Unknown owner or address
     * after that: the 503 stands.
     */
    private CompletableFuture<Target> toOwner(String instanceId, Throwable t) {
        return toOwner(instanceId, t, true);
    }

    private CompletableFuture<Target> toOwner(String instanceId, Throwable t, boolean askAgain) {
        Throwable cause = unwrap(t);
        if (!(cause instanceof InstanceElsewhereException elsewhere)) {
            return CompletableFuture.failedFuture(cause);
        }
        return nodes.gateway(elsewhere.owner()).thenCompose(gateway -> {
            if (gateway.isEmpty() && askAgain) {
                lifecycle.ownerUnreachable(instanceId);
                return local(instanceId).exceptionallyCompose(again -> toOwner(instanceId, again, false));
            }
            if (gateway.isEmpty()) {
                return CompletableFuture.failedFuture(elsewhere);
            }
            forwarded.incrementAndGet();
            return CompletableFuture.completedFuture(Target.hop(gateway.get(), elsewhere.owner()));
        });
    }

    /**
     * Holds the request until {@code owner} lets the instance go (shared with every other request
     * held for it), then asks again where it runs; 503 past the hold timeout or the per-instance limit.
     */
    @Override
    public CompletableFuture<Target> targetAfterFailedHop(String instanceId, String owner) {
        OwnerWait wait = waits.computeIfAbsent(instanceId, id -> {
            OwnerWait w = new OwnerWait(owner, System.nanoTime() + holdNanos);
            pollLater(id, w, 0);
            return w;
        });
        if (wait.held.incrementAndGet() > holdMax) {
            wait.held.decrementAndGet();
            return CompletableFuture.failedFuture(new HoldLimitException("too many requests are waiting for this "
                    + "instance to move to another node; try again shortly"));
        }
        return wait.released.handle((v, t) -> t).thenCompose(t -> {
            wait.held.decrementAndGet();
            return t != null ? CompletableFuture.failedFuture(unwrap(t)) : targetFor(instanceId);
        });
    }

    private void pollLater(String instanceId, OwnerWait wait, long delayMillis) {
        try {
            timer.schedule(() -> blocking.execute(() -> poll(instanceId, wait)), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // shutting down, or the pool is full: let them go now
            release(instanceId, wait, new HoldLimitException("the node is busy; try again shortly"));
        }
    }

    /** One read of who holds the lease; the held requests go on once it is not the unreachable owner. */
    private void poll(String instanceId, OwnerWait wait) {
        Optional<String> holder;
        try {
            holder = lifecycle.leases().liveHolder(instanceId);
        } catch (RuntimeException e) {
            holder = Optional.of(wait.owner); // unknown: keep waiting until the deadline
        }
        if (!holder.equals(Optional.of(wait.owner))) {
            lifecycle.ownerUnreachable(instanceId); // what was seen a moment ago no longer holds
            release(instanceId, wait, null);
        } else if (System.nanoTime() - wait.deadline >= 0) {
            release(instanceId, wait, new HoldLimitException("node " + wait.owner
                    + " runs this instance but does not answer; try again once its lease lapses"));
        } else {
            pollLater(instanceId, wait, POLL_MILLIS);
        }
    }

    private void release(String instanceId, OwnerWait wait, RuntimeException failure) {
        waits.remove(instanceId, wait);
        if (failure == null) {
            wait.released.complete(null);
        } else {
            wait.released.completeExceptionally(failure);
        }
    }

    @Override
    public void exchangeEnded(String instanceId) {
        lifecycle.traffic().ended(instanceId);
    }

    @Override
    public void exchangeEnded(String instanceId, long bytesIn, long bytesOut) {
        exchangeEnded(instanceId);
        usage.exchange(instanceId, bytesIn, bytesOut);
    }

    /** Requests sent one hop to another node since start (metrics). */
    public long forwarded() {
        return forwarded.get();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
