package dev.picobase.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Gateway limits: how long a client may take to send a request head (slowloris) or keep an idle
 * keep-alive connection, how long PocketBase may take to accept a connection and to start
 * answering, the largest request line and header block, the number of event-loop threads, how many
 * connections it keeps open (in total and per client address), how many long-lived streams (SSE,
 * WebSocket) one client address and one instance may hold, which peers are proxies whose
 * {@code X-Forwarded-For} is believed, and the request rate limit of instances that set none of their
 * own (none by default), and how many requests warm the gateway's code up before its port opens.
 */
public record GatewayConfig(
        Duration requestHeadTimeout,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxInitialLineBytes,
        int maxHeaderBytes,
        int ioThreads,
        ConnectionLimits connections,
        int maxStreamsPerAddress,
        int maxStreamsPerInstance,
        List<Cidr> trustedProxies,
        Optional<RateLimit> rateLimitDefault,
        int warmupRequests) {

    public static final int DEFAULT_CONNECTIONS_PER_ADDRESS = 1_000;
    public static final int DEFAULT_STREAMS_PER_ADDRESS = 100;
    public static final int DEFAULT_STREAMS_PER_INSTANCE = 1_000;
    /**
     * The most loopback requests sent through the gateway's own pipeline before it listens, so that its
     * first clients are not served by the interpreter: it stops earlier, once a quarter were sent and the
     * JIT compiler has settled (on two cores: 30,000 to 60,000 requests, 4 to 7 seconds).
     */
    public static final int DEFAULT_WARMUP_REQUESTS = 80_000;

    public GatewayConfig {
        trustedProxies = List.copyOf(trustedProxies);
    }

    /** The timeouts and sizes given, every other limit at its default, no warm-up (tests and tools). */
    public GatewayConfig(Duration requestHeadTimeout, Duration connectTimeout, Duration responseTimeout,
                         int maxInitialLineBytes, int maxHeaderBytes, int ioThreads) {
        this(requestHeadTimeout, connectTimeout, responseTimeout, maxInitialLineBytes, maxHeaderBytes, ioThreads,
                new ConnectionLimits(10_000, DEFAULT_CONNECTIONS_PER_ADDRESS), DEFAULT_STREAMS_PER_ADDRESS,
                DEFAULT_STREAMS_PER_INSTANCE, List.of(), Optional.empty(), 0);
    }

    public GatewayConfig withConnections(ConnectionLimits limits) {
        return new GatewayConfig(requestHeadTimeout, connectTimeout, responseTimeout, maxInitialLineBytes,
                maxHeaderBytes, ioThreads, limits, maxStreamsPerAddress, maxStreamsPerInstance, trustedProxies,
                rateLimitDefault, warmupRequests);
    }

    public GatewayConfig withStreams(int perAddress, int perInstance) {
        return new GatewayConfig(requestHeadTimeout, connectTimeout, responseTimeout, maxInitialLineBytes,
                maxHeaderBytes, ioThreads, connections, perAddress, perInstance, trustedProxies,
                rateLimitDefault, warmupRequests);
    }

    public GatewayConfig withTrustedProxies(List<Cidr> proxies) {
        return new GatewayConfig(requestHeadTimeout, connectTimeout, responseTimeout, maxInitialLineBytes,
                maxHeaderBytes, ioThreads, connections, maxStreamsPerAddress, maxStreamsPerInstance, proxies,
                rateLimitDefault, warmupRequests);
    }

    public GatewayConfig withRateLimitDefault(Optional<RateLimit> limit) {
        return new GatewayConfig(requestHeadTimeout, connectTimeout, responseTimeout, maxInitialLineBytes,
                maxHeaderBytes, ioThreads, connections, maxStreamsPerAddress, maxStreamsPerInstance, trustedProxies,
                limit, warmupRequests);
    }

    public GatewayConfig withWarmupRequests(int requests) {
        return new GatewayConfig(requestHeadTimeout, connectTimeout, responseTimeout, maxInitialLineBytes,
                maxHeaderBytes, ioThreads, connections, maxStreamsPerAddress, maxStreamsPerInstance, trustedProxies,
                rateLimitDefault, requests);
    }
}
