package dev.picobase.api.cluster;

import dev.picobase.core.runtime.HoldLimitException;
import dev.picobase.core.runtime.InstanceElsewhereException;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.store.UsageRecorder;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where this node's gateway sends a request for an instance: to its PocketBase here (woken first if
 * need be), or — in a cluster, when another node holds the lease — one hop to that node's gateway.
 *
 * <p>When a hop cannot reach the owner (it is draining for a restart, or dead), the request is held
 * here: every {@value #POLL_MILLIS} ms this node tries to take the lease, which succeeds as soon as
 * the owner gives it back after its last save (a drain) or the lease lapses (a dead node), and then
 * serves the request itself — or hops to whichever node took it meanwhile. Past the hold timeout the
 * request gets 503 with {@code Retry-After}.
 *
 * <p>Threading: called on event loops; never blocks (the lifecycle's wake-ups and the address look-ups
 * run on executors, the polls on {@code timer}).
 */
public final class NodeBackends implements Backends {
    private static final long POLL_MILLIS = 200;

    private final InstanceLifecycle lifecycle;
    private final UsageRecorder usage;
    private final ClusterHop hops;
    private final NodeAddresses nodes;
    private final ScheduledExecutorService timer;
    private final long holdNanos;
    private final AtomicLong forwarded = new AtomicLong();
    /** Instances whose owner a hop could not reach, with the node it could not reach. */
    private final ConcurrentHashMap<String, String> unreachable = new ConcurrentHashMap<>();

    public NodeBackends(InstanceLifecycle lifecycle, UsageRecorder usage, ClusterHop hops, NodeAddresses nodes,
                        ScheduledExecutorService timer, Duration holdTimeout) {
        this.lifecycle = lifecycle;
        this.usage = usage;
        this.hops = hops;
        this.nodes = nodes;
        this.timer = timer;
        this.holdNanos = holdTimeout.toNanos();
    }

    @Override
    public CompletableFuture<InetSocketAddress> backendFor(String instanceId) {
        return targetFor(instanceId).thenApply(Target::address);
    }

    @Override
    public CompletableFuture<Target> targetFor(String instanceId) {
        String owner = unreachable.remove(instanceId);
        if (owner != null) {
            return whenFree(instanceId, owner, System.nanoTime() + holdNanos);
        }
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
     * (the owner counts it). Unknown owner or address: the 503 stands.
     */
    private CompletableFuture<Target> toOwner(String instanceId, Throwable t) {
        Throwable cause = unwrap(t);
        if (!(cause instanceof InstanceElsewhereException elsewhere)) {
            return CompletableFuture.failedFuture(cause);
        }
        return nodes.gateway(elsewhere.owner()).thenCompose(gateway -> {
            if (gateway.isEmpty()) {
                return CompletableFuture.failedFuture(elsewhere);
            }
            forwarded.incrementAndGet();
            return CompletableFuture.completedFuture(Target.hop(gateway.get(), elsewhere.owner()));
        });
    }

    /**
     * Tries to take the instance here until {@code unreachableOwner} no longer holds it, then serves
     * it here or hops to the node that took it; 503 past {@code deadline}.
     */
    private CompletableFuture<Target> whenFree(String instanceId, String unreachableOwner, long deadline) {
        lifecycle.ownerUnreachable(instanceId); // ask the database, not what was seen a moment ago
        return local(instanceId).exceptionallyCompose(t -> {
            Throwable cause = unwrap(t);
            if (!(cause instanceof InstanceElsewhereException elsewhere)) {
                return CompletableFuture.failedFuture(cause);
            }
            if (!elsewhere.owner().equals(unreachableOwner)) {
                return toOwner(instanceId, elsewhere); // another node took it over meanwhile
            }
            if (System.nanoTime() - deadline >= 0) {
                return CompletableFuture.failedFuture(new HoldLimitException("node " + unreachableOwner
                        + " runs this instance but does not answer; try again once its lease lapses"));
            }
            CompletableFuture<Target> later = new CompletableFuture<>();
            timer.schedule(() -> whenFree(instanceId, unreachableOwner, deadline).whenComplete((target, e) -> {
                if (e != null) {
                    later.completeExceptionally(unwrap(e));
                } else {
                    later.complete(target);
                }
            }), POLL_MILLIS, TimeUnit.MILLISECONDS);
            return later;
        });
    }

    @Override
    public void hopFailed(String instanceId, String node) {
        unreachable.put(instanceId, node);
    }

    @Override
    public void exchangeEnded(String instanceId) {
        lifecycle.traffic().ended(instanceId);
    }

    /** Requests sent one hop to another node since start (metrics). */
    public long forwarded() {
        return forwarded.get();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
