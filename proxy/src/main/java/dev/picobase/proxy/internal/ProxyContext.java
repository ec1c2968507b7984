package dev.picobase.proxy.internal;

import dev.picobase.config.GatewayConfig;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.GatewayMetrics;
import dev.picobase.proxy.RateLimits;
import dev.picobase.proxy.TrustedProxies;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * What every client connection of one gateway shares: how requests are admitted, the backend
 * connection pools, the count of requests in flight, the drain, the timeouts and limits. The gateway
 * builds one ({@link dev.picobase.proxy.Gateway}) and {@link #initChannel} sets up each accepted
 * connection with it; nothing else in this package is meant to be constructed from outside.
 *
 * <p>Threading: immutable references to thread-safe parts, read from every event loop.
 */
public final class ProxyContext {
    final Admission admission;
    final BackendPool pool;
    final Backends backends;
    final AtomicInteger inFlight = new AtomicInteger();
    final Drain drain = new Drain();
    final long headTimeoutMillis;
    final long responseTimeoutMillis;
    final GatewayMetrics metrics;
    final OpenStreams streams;
    final TrustedProxies proxies;
    private final int maxInitialLineBytes;
    private final int maxHeaderBytes;

    /**
     * The parts {@link dev.picobase.proxy.Gateway.Builder} was given, and the transport's client
     * channel class for connections to PocketBase.
     */
    public ProxyContext(GatewayConfig config, Class<? extends Channel> backendChannel, HostNames hosts,
                        RouteTable routes, ApiKeyVerifier keys, Backends backends, boolean secureCookies,
                        ClusterHop hops, RateLimits rateLimits, GatewayMetrics metrics, TrustedProxies proxies) {
        this(config, BackendPool.over(backendChannel, (int) config.connectTimeout().toMillis(), 30),
                new Admission(hosts, routes, keys, backends, secureCookies, hops, rateLimits), keys::revokedLately,
                backends, metrics, proxies);
    }

    /**
     * With the given pool and admission (the warm-up; tests: connections to in-memory backends).
     *
     * @param revokedLately whether a key was revoked lately (a stream opened with it is refused)
     */
    ProxyContext(GatewayConfig config, BackendPool pool, Admission admission, Predicate<String> revokedLately,
                 Backends backends, GatewayMetrics metrics, TrustedProxies proxies) {
        this.admission = admission;
        this.pool = pool;
        this.backends = backends;
        this.headTimeoutMillis = config.requestHeadTimeout().toMillis();
        this.responseTimeoutMillis = config.responseTimeout().toMillis();
        this.metrics = metrics;
        this.streams = new OpenStreams(config.maxStreamsPerAddress(), config.maxStreamsPerInstance(),
                revokedLately);
        this.proxies = proxies;
        this.maxInitialLineBytes = config.maxInitialLineBytes();
        this.maxHeaderBytes = config.maxHeaderBytes();
    }

    /** Sets up an accepted client connection: the HTTP codec, then the proxy. */
    public void initChannel(Channel ch) {
        ch.pipeline()
                .addLast(new HttpServerCodec(maxInitialLineBytes, maxHeaderBytes, 8192))
                .addLast(new FrontendHandler(this));
    }

    /** Requests admitted and not yet answered (including open WebSocket tunnels). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Closes every long-lived stream opened with key {@code keyId}; returns how many. */
    public int closeStreamsOf(String keyId) {
        return streams.closeAllOf(keyId);
    }

    /** The gateway's graceful stop. */
    public Drain drain() {
        return drain;
    }
}
