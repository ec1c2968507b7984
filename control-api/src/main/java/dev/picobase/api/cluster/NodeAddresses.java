package dev.picobase.api.cluster;

import dev.picobase.core.model.Node;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the other nodes listen (cluster mode): their gateways, for forwarding a request to the node
 * that holds an instance's lease, and their control APIs, for a control call (stop, logs, restore...)
 * made through any node. The nodes' listing (in the shared database) is kept in memory and read again
 * at most once a second, or sooner (at most every 100 ms) when a node is asked for that the last
 * listing did not have — a node that just joined. Addresses are resolved when the listing is read,
 * off the event loop, so a lookup on the hot path is a map read. This node's own id and address never
 * resolve: a request is not forwarded to itself.
 *
 * <p>Threading: lookups are called on any thread and never block; the listing is read and resolved
 * on {@code blocking}. Concurrent refreshes may overlap; each replaces the map whole.
 */
public final class NodeAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAddresses.class);
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MISS_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** A node's resolved addresses; {@code api} is null for a node that did not register one. */
    private record Addresses(InetSocketAddress gateway, InetSocketAddress api) {}

    private final Supplier<List<Node>> listing;
    private final Executor blocking;
    private final String selfId;
    private final Supplier<String> selfAddress;
    private volatile Map<String, Addresses> byNode = Map.of();
    private volatile long readNanos = System.nanoTime() - 2 * FRESH_NANOS;
    private volatile java.util.Set<java.net.InetAddress> nodeHosts = java.util.Set.of();
    private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param listing     the registered nodes (one database read)
     * @param selfAddress this node's registered gateway address, known once its gateway is bound
     */
    public NodeAddresses(Supplier<List<Node>> listing, Executor blocking, String selfId, Supplier<String> selfAddress) {
        this.listing = listing;
        this.blocking = blocking;
        this.selfId = selfId;
        this.selfAddress = selfAddress;
    }

    /** Node {@code nodeId}'s gateway, or empty when it is this node or not registered (or not resolvable). */
    public CompletableFuture<Optional<InetSocketAddress>> gateway(String nodeId) {
        return lookUp(nodeId, Addresses::gateway);
    }

    /** Node {@code nodeId}'s control API, or empty when it is this node, unknown, or registered none. */
    public CompletableFuture<Optional<InetSocketAddress>> controlApi(String nodeId) {
        return lookUp(nodeId, Addresses::api);
    }

    /**
     * Whether {@code address} is another node's (its gateway's host, as last listed): its connections
     * carry many clients' hops. Never blocks: a listing older than a second is read again in the
     * background, and this answers from the one at hand.
     */
    public boolean isNode(java.net.InetAddress address) {
        if (System.nanoTime() - readNanos >= FRESH_NANOS && refreshing.compareAndSet(false, true)) {
            try {
                blocking.execute(() -> {
                    try {
                        refresh();
                    } catch (RuntimeException e) {
                        LOG.debug("reading the node listing failed: {}", e.getMessage());
                    } finally {
                        refreshing.set(false);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                refreshing.set(false);
            }
        }
        return nodeHosts.contains(address);
    }

    private CompletableFuture<Optional<InetSocketAddress>> lookUp(String nodeId,
            Function<Addresses, InetSocketAddress> which) {
        if (nodeId.equals(selfId)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        long age = System.nanoTime() - readNanos;
        Addresses known = byNode.get(nodeId);
        if (age < FRESH_NANOS && (known != null || age < MISS_NANOS)) {
            return CompletableFuture.completedFuture(Optional.ofNullable(known).map(which));
        }
        return CompletableFuture.supplyAsync(() -> Optional.ofNullable(refresh().get(nodeId)).map(which), blocking);
    }

    private Map<String, Addresses> refresh() {
        long started = System.nanoTime();
        Map<String, Addresses> next = new HashMap<>();
        String self = selfAddress.get();
        for (Node n : listing.get()) {
            if (n.id().equals(selfId) || n.address().equals(self)) {
                continue; // a loop guard: a node registered at our own address is us under another id
            }
            InetSocketAddress gateway = resolve(n.address());
            if (gateway != null) {
                next.put(n.id(), new Addresses(gateway, n.apiAddress() == null ? null : resolve(n.apiAddress())));
            }
        }
        byNode = Map.copyOf(next);
        nodeHosts = next.values().stream().map(a -> a.gateway().getAddress())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        readNanos = started;
        return next;
    }

    private static InetSocketAddress resolve(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetSocketAddress address = new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
        if (address.isUnresolved()) {
            LOG.warn("node address {} does not resolve; requests for its instances are answered 503", hostPort);
            return null;
        }
        return address;
    }
}
