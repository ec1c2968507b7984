package dev.picobase.proxy;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Where an instance's PocketBase listens, starting it first if it is not running. Completes at
 * once for a running instance; otherwise completes when the instance is healthy (the request is
 * held meanwhile, without blocking any event loop), or exceptionally when it cannot be started.
 */
@FunctionalInterface
public interface Backends {
    CompletableFuture<InetSocketAddress> backendFor(String instanceId);

    /**
     * Where to forward, and for a request that woke the instance, a {@code Server-Timing} value
     * (restore and boot durations) to add to its response.
     */
    record Target(InetSocketAddress address, String serverTiming) {}

    /**
     * Where to forward. A target that is found counts the request as started for the instance's
     * idle tracking (an implementation that tracks it counts before completing, so no stop slips in
     * between); the caller ends it with {@link #exchangeEnded} once for each target it was given,
     * whether or not it used it.
     */
    default CompletableFuture<Target> targetFor(String instanceId) {
        return backendFor(instanceId).thenApply(address -> new Target(address, null));
    }

    /** The request a {@link #targetFor} was found for has ended; no-op by default. */
    default void exchangeEnded(String instanceId) {
    }
}
