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

    /** Called when a request for the instance starts and ends (idle tracking); no-op by default. */
    default void exchangeStarted(String instanceId) {
    }

    default void exchangeEnded(String instanceId) {
    }
}
