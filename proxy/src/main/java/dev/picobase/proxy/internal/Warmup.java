package dev.picobase.proxy.internal;

import dev.picobase.config.GatewayConfig;
import dev.picobase.proxy.Backends;
import dev.picobase.proxy.GatewayMetrics;
import dev.picobase.proxy.TrustedProxies;
import dev.picobase.proxy.routing.HostNames;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the gateway's request path up before its port opens, so that its first clients are not served
 * by the interpreter (a cold gateway ran at a third of its steady rate for its first seconds). A few
 * thousand requests go over loopback, on the gateway's own event loops and transport, through a
 * {@link ProxyContext} of their own — the same codecs, {@link FrontendHandler}, {@link Forwarding},
 * {@link BackendPool} and {@link BackendHandler} every client's request takes — to an in-process backend
 * that answers as PocketBase does: small JSON with a length, a posted body, a larger chunked list.
 * They are admitted as a client's requests are, with a valid API key, but for a tenant of the warm-up's
 * own ({@link WarmupTenant}), and counted by metrics nobody reads ({@link GatewayMetrics#forWarmup}):
 * no instance, key, route or metric of the platform sees them.
 *
 * <p>A warm-up that fails or overruns its time is given up with a warning: it never stops a start.
 * Everything it opened is closed before it returns.
 *
 * <p>Threading: {@link #run} blocks its caller (the gateway's start), never an event loop.
 */
public final class Warmup {
    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    /** Client connections the warm-up's requests are spread over (several per event loop). */
    private static final int CONNECTIONS = 8;
    /** Requests per client connection: the gateway's accept and close paths are warmed too. */
    private static final int REQUESTS_PER_CONNECTION = 100;
    private static final long TIME_LIMIT_MILLIS = 15_000;
    private static final long SETTLE_WINDOW_MILLIS = 250;
    private static final byte[] HEALTH = "{\"code\":200,\"message\":\"API is healthy.\",\"data\":{}}"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RECORD = ("{\"collectionId\":\"pbc_1125843985\",\"collectionName\":\"posts\","
            + "\"created\":\"2026-12-01 10:00:00.000Z\",\"id\":\"r8k2q0x1v3m9z7a\",\"title\":\"Hello\","
            + "\"body\":\"" + "lorem ipsum ".repeat(20) + "\",\"updated\":\"2026-12-01 10:00:00.000Z\"}")
            .getBytes(StandardCharsets.US_ASCII);

    /** Binds a listener whose accepted connections {@code init} sets up, on the gateway's loops and transport. */
    @FunctionalInterface
    public interface Listen {
        Channel bind(InetSocketAddress address, ChannelInitializer<Channel> init) throws InterruptedException;
    }

    private Warmup() {}

    /**
     * Sends {@code requests} requests through a gateway pipeline bound with {@code listen} on loopback,
     * to a backend bound the same way, from clients of {@code clientChannel} on {@code group}; returns
     * how many were answered (fewer if it was given up).
     *
     * @param hosts   the gateway's base domain: the warm-up's instance is a subdomain of it
     * @param metrics the gateway's metrics, whose {@link GatewayMetrics#forWarmup} counts the warm-up
     */
    public static int run(int requests, GatewayConfig config, HostNames hosts, GatewayMetrics metrics,
                          EventLoopGroup group, Listen listen, Class<? extends Channel> clientChannel) {
        if (requests <= 0) {
            return 0;
        }
        long began = System.nanoTime();
        ChannelGroup opened = new DefaultChannelGroup("warmup", GlobalEventExecutor.INSTANCE);
        BackendPool pool = BackendPool.over(clientChannel, (int) config.connectTimeout().toMillis(), 30);
        AtomicInteger answered = new AtomicInteger();
        WarmupTenant tenant = null;
        try {
            InetAddress loopback = InetAddress.getLoopbackAddress();
            Channel backend = listen.bind(new InetSocketAddress(loopback, 0), new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    opened.add(ch);
                    ch.config().setAutoRead(true);
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new PocketBaseLike());
                }
            });
            opened.add(backend);
            Backends target = Backends.fixed((InetSocketAddress) backend.localAddress());
            tenant = new WarmupTenant(hosts, target);
            ProxyContext context = new ProxyContext(config, pool, tenant.admission(), keyId -> false, target,
                    metrics.forWarmup(), TrustedProxies.NONE);
            Channel gateway = listen.bind(new InetSocketAddress(loopback, 0), new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    opened.add(ch);
                    context.initChannel(ch);
                }
            });
            opened.add(gateway);
            InetSocketAddress at = (InetSocketAddress) gateway.localAddress();
            String key = tenant.key();
            AtomicInteger toSend = new AtomicInteger(requests);
            CountDownLatch done = new CountDownLatch(CONNECTIONS);
            String host = WarmupTenant.SUBDOMAIN + "." + hosts.baseDomain() + ":" + at.getPort();
            Bootstrap clients = new Bootstrap().group(group).channel(clientChannel)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            opened.add(ch);
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                    new Client(host, key, toSend, answered));
                        }
                    });
            for (int i = 0; i < CONNECTIONS; i++) {
                lane(clients, at, toSend, done);
            }
            untilSettled(done, toSend, answered, requests, began);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("gateway warm-up failed after {} requests: {}", answered.get(), e.toString());
        } finally {
            opened.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            pool.closeAll(group);
            if (tenant != null) {
                tenant.close();
            }
        }
        LOG.info("gateway warmed up: {} requests in {} ms", answered.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        return answered.get();
    }

    /**
     * Waits for the lanes to end. Once a quarter of the requests were answered, the warm-up stops early
     * (no request is sent after the ones under way) when the JIT has settled: it compiled for less than
     * a tenth of the last {@link #SETTLE_WINDOW_MILLIS}. Given up past {@link #TIME_LIMIT_MILLIS}.
     */
    private static void untilSettled(CountDownLatch done, AtomicInteger toSend, AtomicInteger answered, int requests,
                                     long began) throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean measured = jit != null && jit.isCompilationTimeMonitoringSupported();
        long compiled = measured ? jit.getTotalCompilationTime() : 0;
        while (!done.await(SETTLE_WINDOW_MILLIS, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() - began > TimeUnit.MILLISECONDS.toNanos(TIME_LIMIT_MILLIS)) {
                toSend.set(0);
                LOG.warn("gateway warm-up given up after {} ms with {} of {} requests answered",
                        TIME_LIMIT_MILLIS, answered.get(), requests);
                return;
            }
            long now = measured ? jit.getTotalCompilationTime() : 0;
            if (measured && answered.get() >= requests / 4 && now - compiled < SETTLE_WINDOW_MILLIS / 10) {
                toSend.set(0); // settled
            }
            compiled = now;
        }
    }

    /**
     * One client at a time, each on a new connection once the last one closed, until every request was
     * sent or one failed; then {@code done} is counted down.
     */
    private static void lane(Bootstrap clients, InetSocketAddress at, AtomicInteger toSend, CountDownLatch done) {
        clients.connect(at).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                done.countDown();
                return;
            }
            f.channel().closeFuture().addListener(closed -> {
                if (toSend.get() > 0 && f.channel().pipeline().get(Client.class).finished) {
                    lane(clients, at, toSend, done);
                } else {
                    done.countDown();
                }
            });
        });
    }

    /**
     * Sends requests one at a time, each once the last is answered, as clients do: header names
     * capitalised on some connections and lower-case on others, up to {@link #REQUESTS_PER_CONNECTION}
     * (the last with {@code Connection: close}) or until none is left to send.
     */
    private static final class Client extends SimpleChannelInboundHandler<FullHttpResponse> {
        private static final AtomicInteger CONNECTION_NUMBERS = new AtomicInteger();
        private final String host;
        private final String key;
        private final AtomicInteger toSend;
        private final AtomicInteger answered;
        private final boolean capitalised = CONNECTION_NUMBERS.incrementAndGet() % 2 == 0;
        private int sent;
        /** Every request it sent was answered with a 2xx, so the lane goes on with a new connection. */
        boolean finished;

        Client(String host, String key, AtomicInteger toSend, AtomicInteger answered) {
            this.host = host;
            this.key = key;
            this.toSend = toSend;
            this.answered = answered;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            next(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (response.status().code() / 100 != 2) {
                throw new IllegalStateException("warm-up request answered " + response.status());
            }
            answered.incrementAndGet();
            if (sent == REQUESTS_PER_CONNECTION) {
                finished = true; // the gateway closes the connection after this answer
            } else {
                next(ctx);
            }
        }

        private void next(ChannelHandlerContext ctx) {
            int n = toSend.getAndDecrement();
            if (n <= 0) {
                finished = true;
                ctx.close();
                return;
            }
            sent++;
            FullHttpRequest r = switch (n % 4) {
                case 0 -> get("/api/health");
                case 1 -> get("/api/collections/posts/records?page=1&perPage=30&sort=-created&filter=(title~'hello')");
                case 2 -> post("/api/collections/posts/records", RECORD);
                default -> get("/api/collections/posts/records?perPage=200");
            };
            r.headers().set(name("Host"), host)
                    .set(name("apikey"), key)
                    .set(name("Accept"), HttpHeaderValues.APPLICATION_JSON)
                    .set(name("User-Agent"), "picobase-warmup")
                    .set(name("Accept-Encoding"), "gzip, deflate")
                    .set(name("Origin"), "https://app.example.com");
            if (sent == REQUESTS_PER_CONNECTION) {
                r.headers().set(name("Connection"), HttpHeaderValues.CLOSE);
            }
            ctx.writeAndFlush(r);
        }

        private String name(String capitalisedName) {
            return capitalised ? capitalisedName : capitalisedName.toLowerCase(java.util.Locale.ROOT);
        }

        private static FullHttpRequest get(String uri) {
            return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, Unpooled.EMPTY_BUFFER);
        }

        private static FullHttpRequest post(String uri, byte[] body) {
            FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri,
                    Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("warm-up client: {}", cause.toString());
            ctx.close();
        }
    }

    /**
     * Answers as PocketBase does: the health check and a created record with a length, a list of
     * records chunked (as Go writes a large answer).
     */
    private static final class PocketBaseLike extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            String uri = request.uri();
            if (uri.contains("perPage=")) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                headers(head).set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                ctx.write(head);
                int records = uri.contains("perPage=200") ? 40 : 8;
                for (int i = 0; i < records; i += 4) {
                    ByteBuf part = ctx.alloc().buffer(RECORD.length * 4 + 4);
                    for (int j = 0; j < 4; j++) {
                        part.writeBytes(RECORD).writeByte(',');
                    }
                    ctx.write(new DefaultHttpContent(part));
                }
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            byte[] body = request.method().equals(HttpMethod.POST) ? RECORD : HEALTH;
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            headers(r).setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ctx.writeAndFlush(r);
        }

        private static HttpHeaders headers(HttpResponse r) {
            return r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set(HttpHeaderNames.VARY, "Origin")
                    .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
    }
}
