package dev.picobase.proxy;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Where the gateway sends an instance's requests: {@link #targetFor}, which starts the instance first
 * if it is not running, and the bookkeeping around each request sent there.
 */
@FunctionalInterface
public interface Backends {

    /**
     * Where to forward, and for a request that woke the instance, a {@code Server-Timing} value
     * (restore and boot durations) to add to its response. With {@code hopTo} set (cluster mode) the
     * instance runs on node {@code hopTo}, and {@code address} is that node's gateway: the request
     * goes there as a {@link ClusterHop}. Such a target is not counted for idle tracking here (this
     * node does not run the instance; the owner counts it) and is not ended.
     */
    record Target(InetSocketAddress address, String serverTiming, String hopTo) {
        public Target(InetSocketAddress address, String serverTiming) {
            this(address, serverTiming, null);
        }

        /** The owner {@code node}'s gateway at {@code gateway}. */
        public static Target hop(InetSocketAddress gateway, String node) {
            return new Target(gateway, null, node);
        }

        public boolean hop() {
            return hopTo != null;
        }
    }

    /**
     * Where to forward. Completes at once for a running instance; otherwise when the instance is
     * healthy (the request is held meanwhile, without blocking any event loop), or exceptionally when
     * it cannot be started. A target that is found counts the request as started for the instance's
     * idle tracking (an implementation that tracks it counts before completing, so no stop slips in
     * between); the caller ends it with {@link #exchangeEnded} once for each target it was given,
     * whether or not it used it — except a {@link Target#hop()} target, which was not counted.
     */
    CompletableFuture<Target> targetFor(String instanceId);

    /** Every instance at {@code address}, running (tests and tools that proxy to one fixed backend). */
    static Backends fixed(InetSocketAddress address) {
        CompletableFuture<Target> target = CompletableFuture.completedFuture(new Target(address, null));
        return instanceId -> target;
    }

    /**
     * Where to send a request again after its {@link Target#hop()} to {@code node} could not connect,
     * or the connection closed before an answer (asked once per request). By default as {@link
     * #targetFor}; a cluster node waits for {@code node} to let the instance go.
     */
    default CompletableFuture<Target> targetAfterFailedHop(String instanceId, String node) {
        return targetFor(instanceId);
    }

    /** The request a {@link #targetFor} was found for has ended; no-op by default. */
    default void exchangeEnded(String instanceId) {
    }

    /**
     * As {@link #exchangeEnded(String)}, for a request that was sent to the target: {@code bytesIn}
     * body bytes went to it and {@code bytesOut} came back (the instance's usage). Called once per
     * such request, on the event loop: must not block.
     */
    default void exchangeEnded(String instanceId, long bytesIn, long bytesOut) {
        exchangeEnded(instanceId);
    }
}
