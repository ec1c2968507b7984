package dev.picobase.proxy;

import dev.picobase.config.GatewayConfig;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.proxy.internal.Admission;
import dev.picobase.proxy.internal.BackendPool;
import dev.picobase.proxy.internal.Drain;
import dev.picobase.proxy.internal.FrontendHandler;
import dev.picobase.proxy.internal.OpenStreams;
import dev.picobase.proxy.internal.TrustedProxies;
import dev.picobase.proxy.keys.ApiKeyVerifier;
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
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant-facing gateway: accepts client connections, and for each request lets
 * {@link Admission} route it and check its key, then streams it to PocketBase and back through
 * {@link FrontendHandler}. Uses epoll where the native transport loads, NIO otherwise. Connections
 * past the {@link ConnectionLimiter}'s limits are answered and closed before any handler is set up;
 * long-lived streams are capped per client address and per instance ({@link OpenStreams}).
 *
 * <p>Shutdown is graceful ({@link Drain}): the listening socket closes first (no new connections), every
 * response from then on closes its connection, requests in flight get up to a grace period to finish, and
 * kept-alive connections are closed only once no request has begun on any of them for {@link #DRAIN_QUIET}
 * (a balancer or another node's pool stops sending on them as each is closed after its next response,
 * and a connection refused marks this node down there); then the event loops stop.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    /** How long no request must have begun before the connections left open are closed. */
    static final Duration DRAIN_QUIET = Duration.ofMillis(300);

    private final EventLoopGroup group;
    private final Channel listener;
    private final AtomicInteger inFlight;
    private final Drain drain;
    private final ConnectionLimiter connections;
    private final OpenStreams streams;
    private final ApiKeyVerifier keys;

    private GatewayServer(EventLoopGroup group, Channel listener, AtomicInteger inFlight, Drain drain,
                          ConnectionLimiter connections, OpenStreams streams, ApiKeyVerifier keys) {
        this.drain = drain;
        this.keys = keys;
        this.group = group;
        this.listener = listener;
        this.inFlight = inFlight;
        this.connections = connections;
        this.streams = streams;
    }

    public static GatewayServer start(String bindAddress, int port, GatewayConfig config, Admission admission,
                                      Backends backends) throws InterruptedException {
        return start(bindAddress, port, config, admission, backends, GatewayMetrics.NONE);
    }

    public static GatewayServer start(String bindAddress, int port, GatewayConfig config, Admission admission,
                                      Backends backends, GatewayMetrics metrics) throws InterruptedException {
        return start(bindAddress, port, config, admission, backends, metrics, peer -> false);
    }

    /**
     * @param clusterPeers the other nodes of a cluster: their connections carry many clients' hops, so,
     *                     like trusted proxies', they count toward the total connection limit only
     */
    public static GatewayServer start(String bindAddress, int port, GatewayConfig config, Admission admission,
                                      Backends backends, GatewayMetrics metrics,
                                      java.util.function.Predicate<java.net.InetAddress> clusterPeers)
            throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> serverChannel = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        BackendPool pool = new BackendPool(epoll ? EpollSocketChannel.class : NioSocketChannel.class,
                (int) config.connectTimeout().toMillis(), 30);
        AtomicInteger inFlight = new AtomicInteger();
        Drain drain = new Drain();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.ioThreads(), DaemonThreads.named("gateway-io"), io);
        long headMillis = config.requestHeadTimeout().toMillis();
        long responseMillis = config.responseTimeout().toMillis();
        TrustedProxies proxies = new TrustedProxies(config.trustedProxies());
        ConnectionLimiter connections = new ConnectionLimiter(config.connections(),
                peer -> proxies.trusts(peer) || clusterPeers.test(peer));
        ApiKeyVerifier keys = admission.keys();
        OpenStreams streams = new OpenStreams(config.maxStreamsPerAddress(), config.maxStreamsPerInstance(),
                keys::revokedLately);
        try {
            Channel listener = new ServerBootstrap()
                    .group(group)
                    .channel(serverChannel)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (!connections.admit(ch)) {
                                return;
                            }
                            ch.pipeline()
                                    .addLast(new HttpServerCodec(config.maxInitialLineBytes(), config.maxHeaderBytes(),
                                            8192))
                                    .addLast(new FrontendHandler(admission, pool, backends, inFlight, drain, headMillis,
                                            responseMillis, metrics, streams, proxies));
                        }
                    })
                    .bind(new InetSocketAddress(bindAddress, port)).sync().channel();
            LOG.debug("gateway transport: {}", epoll ? "epoll" : "nio");
            return new GatewayServer(group, listener, inFlight, drain, connections, streams, keys);
        } catch (Exception e) { // a failed bind's BindException too, which Netty throws undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Requests admitted and not yet answered (including open WebSocket tunnels). */
    public int inFlight() {
        return inFlight.get();
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
        return streams.closeAllOf(keyId);
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
        drain.begin();
        listener.close().syncUninterruptibly();
        long deadline = System.nanoTime() + grace.toNanos();
        while ((inFlight.get() > 0 || (connections.open() > 0 && !drain.quietFor(DRAIN_QUIET)))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            LOG.warn("gateway stopping with {} requests still in flight", inFlight.get());
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
