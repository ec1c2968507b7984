package dev.picobase.proxy;

import dev.picobase.config.GatewayConfig;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.proxy.internal.Drain;
import dev.picobase.proxy.internal.ProxyContext;
import dev.picobase.proxy.internal.Warmup;
import dev.picobase.proxy.keys.ApiKeyVerifier;
import dev.picobase.proxy.routing.HostNames;
import dev.picobase.proxy.routing.RouteTable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.net.InetAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant-facing gateway: accepts client connections, and for each request routes it by its
 * {@code Host}, checks its key and its instance's rate limit, wakes the instance if need be, then streams
 * it to PocketBase and back (or one hop to the node that runs the instance). Built once, with the parts
 * it is given, by {@link #builder()}; what it is made of inside ({@code dev.picobase.proxy.internal})
 * is no one else's concern. Uses epoll where the native transport loads, NIO otherwise. Connections
 * past the {@link ConnectionLimiter}'s limits are answered and closed before any handler is set up;
 * long-lived streams are capped per client address and per instance ({@link OpenStreams}). Its port
 * opens once its request path is warmed up ({@link Warmup}; {@link #warmUpInBackground} to overlap that
 * with the caller's own start).
 *
 * <p>Shutdown is graceful ({@link Drain}): the listening socket closes first (no new connections), every
 * response from then on closes its connection, requests in flight get up to a grace period to finish, and
 * kept-alive connections are closed only once no request has begun on any of them for {@link #DRAIN_QUIET}
 * (a balancer or another node's pool stops sending on them as each is closed after its next response,
 * and a connection refused marks this node down there); then the event loops stop.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** How long no request must have begun before the connections left open are closed. */
    static final Duration DRAIN_QUIET = Duration.ofMillis(300);

    private final EventLoopGroup group;
    private final Channel listener;
    private final ProxyContext context;
    private final ConnectionLimiter connections;
    private final ApiKeyVerifier keys;

    private Gateway(EventLoopGroup group, Channel listener, ProxyContext context, ConnectionLimiter connections,
                    ApiKeyVerifier keys) {
        this.group = group;
        this.listener = listener;
        this.context = context;
        this.connections = connections;
        this.keys = keys;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What a gateway is made of; {@link #start} binds it. Every part but the metrics, hops and limits is required. */
    public static final class Builder {
        private GatewayConfig config;
        private HostNames hosts;
        private RouteTable routes;
        private ApiKeyVerifier keys;
        private Backends backends;
        private boolean secureCookies;
        private ClusterHop hops = ClusterHop.OFF;
        private RateLimits rateLimits = RateLimits.NONE;
        private GatewayMetrics metrics = GatewayMetrics.NONE;
        private Predicate<InetAddress> clusterPeers = peer -> false;
        private CompletableFuture<?> warmup;

        private Builder() {}

        /** Timeouts, limits, trusted proxies and event-loop threads. */
        public Builder config(GatewayConfig config) {
            this.config = config;
            return this;
        }

        /** Which hosts are the base domain and which name an instance's subdomain. */
        public Builder hosts(HostNames hosts) {
            this.hosts = hosts;
            return this;
        }

        /** Subdomains and verified custom domains to instances. */
        public Builder routes(RouteTable routes) {
            this.routes = routes;
            return this;
        }

        /** Checks API keys; the gateway revokes keys through it ({@link Gateway#revokeKey}). */
        public Builder keys(ApiKeyVerifier keys) {
            this.keys = keys;
            return this;
        }

        /** Where an instance listens, waking it if need be, and its idle tracking and usage. */
        public Builder backends(Backends backends) {
            this.backends = backends;
            return this;
        }

        /** Mark the key cookie {@code Secure} ({@code PICOBASE_SECURE_COOKIES}: served over HTTPS). */
        public Builder secureCookies(boolean secureCookies) {
            this.secureCookies = secureCookies;
            return this;
        }

        /** How requests between the nodes of a cluster are authenticated ({@link ClusterHop#OFF}: not at all). */
        public Builder hops(ClusterHop hops) {
            this.hops = hops;
            return this;
        }

        /** The instances' request rate limits, counted before the key check ({@link RateLimits#NONE}: none). */
        public Builder rateLimits(RateLimits rateLimits) {
            this.rateLimits = rateLimits;
            return this;
        }

        /** Who counts each exchange ({@link GatewayMetrics#NONE}: nobody). */
        public Builder metrics(GatewayMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        /**
         * The other nodes of a cluster: their connections carry many clients' hops, so, like trusted
         * proxies', they count toward the total connection limit only.
         */
        public Builder clusterPeers(Predicate<InetAddress> clusterPeers) {
            this.clusterPeers = clusterPeers;
            return this;
        }

        /**
         * The warm-up started earlier with {@link Gateway#warmUpInBackground}: {@link #start} waits for it
         * instead of warming up itself. Without it, {@link #start} runs {@code config.warmupRequests()}.
         */
        public Builder warmedUp(CompletableFuture<?> warmup) {
            this.warmup = warmup;
            return this;
        }

        /** Binds {@code bindAddress}:{@code port} (0: any free port) and serves, once warmed up. */
        public Gateway start(String bindAddress, int port) throws InterruptedException {
            Objects.requireNonNull(config, "config");
            Transport transport = Transport.best();
            TrustedProxies proxies = new TrustedProxies(config.trustedProxies());
            ProxyContext context = new ProxyContext(config, transport.client(),
                    Objects.requireNonNull(hosts, "hosts"), Objects.requireNonNull(routes, "routes"),
                    Objects.requireNonNull(keys, "keys"), Objects.requireNonNull(backends, "backends"),
                    secureCookies, hops, rateLimits, metrics, proxies);
            ConnectionLimiter connections = new ConnectionLimiter(config.connections(),
                    peer -> proxies.trusts(peer) || clusterPeers.test(peer));
            EventLoopGroup group = transport.group(config.ioThreads(), "gateway-io");
            try {
                Warmup.Listen listen = transport.listen(group);
                if (warmup != null) {
                    warmup.join(); // never completes exceptionally: a failed warm-up is only logged
                } else {
                    Warmup.run(config.warmupRequests(), config, hosts, metrics, group, listen, transport.client());
                }
                Channel listener = listen.bind(new InetSocketAddress(bindAddress, port), new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (connections.admit(ch)) {
                            context.initChannel(ch);
                        }
                    }
                });
                LOG.debug("gateway transport: {}", transport.client().getSimpleName());
                return new Gateway(group, listener, context, connections, keys);
            } catch (Exception e) { // a failed bind's BindException too, which Netty throws undeclared
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
        }
    }

    /**
     * Starts the gateway's warm-up ({@code config.warmupRequests()}, {@link Warmup}) now, on a thread and
     * event loops of its own that end with it, so that it runs while the caller starts everything else;
     * the compiled code it leaves is the JVM's, whichever loops run it later. Give the result to {@link
     * Builder#warmedUp}: the gateway's port opens once it is over. Completes with the requests answered,
     * never exceptionally.
     */
    public static CompletableFuture<Integer> warmUpInBackground(GatewayConfig config, HostNames hosts,
                                                                GatewayMetrics metrics) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        if (config.warmupRequests() <= 0) {
            done.complete(0);
            return done;
        }
        Transport transport = Transport.best();
        DaemonThreads.named("gateway-warmup").newThread(() -> {
            EventLoopGroup group = transport.group(config.ioThreads(), "gateway-warmup-io");
            try {
                done.complete(Warmup.run(config.warmupRequests(), config, hosts, metrics, group,
                        transport.listen(group), transport.client()));
            } catch (RuntimeException | Error e) {
                LOG.warn("gateway warm-up failed: {}", e.toString());
                done.complete(0);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }).start();
        return done;
    }

    /** Epoll where the native transport loads, NIO otherwise: the loops, and the channels on them. */
    private record Transport(IoHandlerFactory io, Class<? extends ServerChannel> server,
                             Class<? extends Channel> client) {
        static Transport best() {
            return Epoll.isAvailable()
                    ? new Transport(EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class)
                    : new Transport(NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
        }

        EventLoopGroup group(int threads, String name) {
            return new MultiThreadIoEventLoopGroup(threads, DaemonThreads.named(name), io);
        }

        /** Client connections accepted on {@code group}: read only when asked to, no Nagle delay. */
        Warmup.Listen listen(EventLoopGroup group) {
            return (address, init) -> new ServerBootstrap()
                    .group(group)
                    .channel(server)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(init)
                    .bind(address).sync().channel();
        }
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Requests admitted and not yet answered (including open WebSocket tunnels). */
    public int inFlight() {
        return context.inFlight();
    }

    /** Client connections open now, and those refused at the limits (metrics, tests). */
    public ConnectionLimiter connections() {
        return connections;
    }

    /**
     * Revokes key {@code keyId} on this node: its cached verdicts are forgotten (it stops working at
     * once), a key check or stream admission already under way cannot bring it back, and every
     * long-lived stream (SSE, WebSocket) opened with it is closed — a stream is authorised once,
     * when it opens. Returns how many streams were closed.
     */
    public int revokeKey(String keyId) {
        keys.revoke(keyId); // first: recorded before the streams are looked up
        return context.closeStreamsOf(keyId);
    }

    /**
     * Takes back {@link #revokeKey} for a key that exists again for the gateway (its account, suspended,
     * was reactivated): it is checked against the database on its next request.
     */
    public void reinstateKey(String keyId) {
        keys.reinstate(keyId);
    }

    /**
     * Stops accepting, waits up to {@code grace} for requests in flight and for kept-alive connections to
     * fall quiet ({@link Drain}), then stops the event loops.
     */
    public void shutdown(Duration grace) {
        Drain drain = context.drain();
        drain.begin();
        listener.close().syncUninterruptibly();
        long deadline = System.nanoTime() + grace.toNanos();
        while ((context.inFlight() > 0 || (connections.open() > 0 && !drain.quietFor(DRAIN_QUIET)))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (context.inFlight() > 0) {
            LOG.warn("gateway stopping with {} requests still in flight", context.inFlight());
        }
        // Bounded: whatever the event loops do, the platform's shutdown goes on to save its instances.
        if (!group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS)) {
            LOG.warn("gateway event loops did not terminate within 10 s; shutting down anyway");
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(10));
    }
}
