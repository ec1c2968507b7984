package dev.picobase.api;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.picobase.api.auth.AuthRoutes;
import dev.picobase.api.auth.Sessions;
import dev.picobase.api.auth.SignInLimiter;
import dev.picobase.api.http.ApiChannelHandler;
import dev.picobase.api.http.ApiResponse;
import dev.picobase.api.http.JsonBodyAggregator;
import dev.picobase.api.http.RequestDeadline;
import dev.picobase.api.http.Router;
import dev.picobase.api.http.StaticAssets;
import dev.picobase.api.instances.InstanceRoutes;
import dev.picobase.api.instances.KeyRoutes;
import dev.picobase.config.PicoBaseConfig;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.runtime.InstanceLifecycle;
import dev.picobase.core.secret.Passwords;
import dev.picobase.core.store.MetadataStore;
import dev.picobase.proxy.ConnectionLimiter;
import dev.picobase.proxy.TrustedProxies;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The control API and admin UI server: Netty for HTTP, a bounded executor for everything that
 * blocks (database, bcrypt). Event-loop threads only parse, dispatch and write; a full executor
 * answers 503 rather than queueing without limit. Connections are limited per client address and in
 * total ({@code PICOBASE_API_MAX_CONNECTIONS*}), apart from the gateway's, so a flood of tenant
 * traffic never takes the control API's share of file descriptors. A client must send each whole
 * request within {@code PICOBASE_GATEWAY_HEADER_TIMEOUT} of connecting or of its last answer
 * ({@link RequestDeadline}), so slow or idle connections cannot hold those slots.
 */
public final class ControlApiServer implements AutoCloseable {
    /** Code uploads held in memory at once, each up to {@code PICOBASE_DEPLOY_MAX_BYTES} (429 past it). */
    private static final int UPLOADS_AT_ONCE = 4;
    private static final int UPLOADS_PER_ADDRESS = 2;
    private final EventLoopGroup group;
    private final ThreadPoolExecutor blocking;
    private final Channel channel;

    private ControlApiServer(EventLoopGroup group, ThreadPoolExecutor blocking, Channel channel) {
        this.group = group;
        this.blocking = blocking;
        this.channel = channel;
    }

    /**
     * Binds the API port and starts serving.
     *
     * @param events told of created and deleted instances and revoked keys (the gateway's caches)
     * @param owners  where calls on a running instance act: here, or on the node holding its lease
     * @param secrets the platform key that seals and opens instances' secrets (the one the lifecycle uses)
     * @param domainChecks custom domains' TXT checks
     * @param routedHost the instance the gateway routes a host to (the on-demand TLS {@code ask} check)
     */
    public static ControlApiServer start(PicoBaseConfig config, MetadataStore store, Clock clock,
                                         InstanceLifecycle lifecycle, ControlEvents events,
                                         dev.picobase.api.cluster.OwnerCalls owners,
                                         dev.picobase.core.secret.SecretBox secrets,
                                         dev.picobase.api.domains.DomainChecks domainChecks,
                                         java.util.function.Function<String, java.util.concurrent.CompletableFuture<
                                                 java.util.Optional<String>>> routedHost)
            throws InterruptedException {
        Passwords passwords = new Passwords(config.auth().bcryptCost());
        Sessions sessions = new Sessions(store, config.auth(), clock);
        Router router = new Router();
        router.add(HttpMethod.GET, "/api/health", r -> ApiResponse.ok(Map.of("status", "ok")));
        SignInLimiter limiter = new SignInLimiter(config.auth(), Ticker.systemTicker());
        new AuthRoutes(store, passwords, sessions, limiter, config.auth()).register(router);
        new dev.picobase.api.admin.InvitationRoutes(store, sessions, clock, config.auth().secureCookies())
                .register(router);
        new dev.picobase.api.auth.AccountRoutes(store, passwords, sessions, limiter, lifecycle, events)
                .register(router);
        InstanceRoutes instances = new InstanceRoutes(store, sessions, config, lifecycle, events, owners);
        instances.register(router);
        new KeyRoutes(store, sessions, instances, passwords, events, config.maxKeysPerInstance()).register(router);
        new dev.picobase.api.instances.UsageRoutes(store, sessions, instances, clock).register(router);
        new dev.picobase.api.admin.AdminRoutes(store, sessions, config, instances, events).register(router);
        new dev.picobase.api.instances.EnvRoutes(store, sessions, instances, config, lifecycle, owners, secrets)
                .register(router);
        dev.picobase.api.instances.DeployCallers deployCallers = new dev.picobase.api.instances.DeployCallers(sessions,
                store);
        new dev.picobase.api.instances.DeployTokenRoutes(store, sessions, instances, deployCallers).register(router);
        new dev.picobase.api.domains.DomainRoutes(store, sessions, instances, config.baseDomain(), domainChecks, events,
                routedHost).register(router);
        new dev.picobase.api.instances.FileRoutes(instances, deployCallers,
                config, lifecycle, owners).register(router);

        ThreadPoolExecutor blocking = new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(512), DaemonThreads.named("api-blocking"));
        blocking.allowCoreThreadTimeOut(true);
        TrustedProxies proxies = new TrustedProxies(config.gateway().trustedProxies());
        ApiChannelHandler handler = new ApiChannelHandler(router, new StaticAssets("admin-ui"), blocking, proxies);
        int maxBody = (int) config.apiMaxBodyBytes();
        // The gateway's head timeout, applied to the whole request: control-API bodies are small.
        long requestMillis = config.gateway().requestHeadTimeout().toMillis();
        // Code uploads: larger bodies than JSON, so only a few held in memory at once, a share per address.
        dev.picobase.api.http.UploadSlots uploads = new dev.picobase.api.http.UploadSlots(UPLOADS_AT_ONCE,
                UPLOADS_PER_ADDRESS, proxies::trusts);

        ConnectionLimiter connections = new ConnectionLimiter(config.apiConnections(),
                proxies::trusts);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, DaemonThreads.named("api-io"), NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (!connections.admit(ch)) {
                                return;
                            }
                            // No read timeout besides the deadline: it resets on every byte, so it
                            // never bounded a client trickling its request.
                            ch.pipeline()
                                    .addLast(new HttpServerCodec(8192, 16384, 8192))
                                    .addLast(new RequestDeadline(requestMillis))
                                    .addLast(new HttpServerKeepAliveHandler())
                                    .addLast(new dev.picobase.api.http.UploadBodies(config.deploy().maxBytes(),
                                            uploads))
                                    .addLast(new JsonBodyAggregator(maxBody))
                                    .addLast(handler);
                        }
                    })
                    .bind(new InetSocketAddress(config.bindAddress(), config.apiPort())).sync().channel();
            return new ControlApiServer(group, blocking, channel);
        } catch (Exception e) { // a failed bind's BindException too, which Netty throws undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            blocking.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops accepting, lets requests in flight finish (up to a few seconds), then releases threads. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        blocking.shutdown();
        try {
            blocking.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Bounded, like the gateway's: the platform's shutdown must go on to save its instances.
        group.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS).awaitUninterruptibly(15, TimeUnit.SECONDS);
    }
}
