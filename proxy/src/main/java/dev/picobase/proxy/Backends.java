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

    default CompletableFuture<Target> targetFor(String instanceId) {
        return backendFor(instanceId).thenApply(address -> new Target(address, null));
    }

    /** Called when a request for the instance starts and ends (idle tracking); no-op by default. */
    default void exchangeStarted(String instanceId) {
    }

    default void exchangeEnded(String instanceId) {
    }
}
