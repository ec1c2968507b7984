package dev.picobase.proxy;

/**
 * What the gateway reports about each exchange, for whoever counts it (the platform's Prometheus
 * metrics). Kept free of any metrics library so the proxy module does not depend on one, and with
 * a no-op {@link #NONE} for tests and tools that do not count.
 *
 * <p>Threading: called on a client channel's event loop once per exchange, on the hot path;
 * implementations must not block or allocate per call.
 */
@FunctionalInterface
public interface GatewayMetrics {
    GatewayMetrics NONE = (statusCode, nanos, cold) -> { };

    /**
     * An exchange ended: {@code statusCode} is the status the client was sent (0 when the client
     * got no response head, e.g. it went away first), {@code nanos} the time from its request head
     * to its end, {@code cold} whether the instance was started for it.
     */
    void requestCompleted(int statusCode, long nanos, boolean cold);

    /**
     * The exchange that just ended (after {@link #requestCompleted}) went one hop to the node that
     * runs its instance (cluster mode); {@code nanos} as there.
     */
    default void forwardedCompleted(long nanos) {
    }

    /**
     * Metrics of the same kind that nobody reads, for the gateway's warm-up ({@code
     * PICOBASE_GATEWAY_WARMUP_REQUESTS}): its requests run the same counting code without being counted
     * here. By default none.
     */
    default GatewayMetrics forWarmup() {
        return NONE;
    }
}
