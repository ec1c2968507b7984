package dev.picobase.proxy.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to PocketBase processes (and other nodes' gateways), one pool per event loop,
 * so a frontend and its backend connection always share a thread (no locks, no cross-thread hand-offs),
 * as in Netty's proxy example. An idle connection keeps one read pending so that a close by PocketBase
 * is noticed and the connection dropped from the pool; it is closed after {@code idleSeconds} unused.
 *
 * <p>At most {@link #MAX_BUSY_PER_BACKEND} connections per backend and loop carry ordinary requests at
 * once (leased or connecting); past that a request waits for the next one released, which is handed to
 * it directly. So a burst — a thousand requests held while an instance wakes, or a thousand clients on
 * one instance — is served over a bounded set of reused connections, instead of a thousand connects to
 * a PocketBase that has just started (and, once they are answered, a thousand connections closed past
 * the idle cap). Long-lived streams (SSE, WebSocket) hold their connection for as long as the client
 * likes: they are not counted, so they can never make an ordinary request wait (the stream caps bound
 * them instead).
 *
 * <p>Threading: every method must be called on {@code loop}, the frontend channel's event loop.
 */
final class BackendPool {
    static final AttributeKey<InetSocketAddress> ADDRESS = AttributeKey.valueOf("picobase.backend");
    /** Whether a connection is counted among its backend's busy ones now. */
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("picobase.backend.counted");
    static final int MAX_BUSY_PER_BACKEND = 64;
    /**
     * The longest a request waits for a busy connection to free. A busy connection can be held for long
     * (a client downloading slowly), so a request that waited this long gets a connection of its own,
     * not counted: the bound shapes a burst, it never holds anyone indefinitely.
     */
    static final long MAX_WAIT_MILLIS = 250;

    /** Opens a new connection to a backend, on the given loop. */
    @FunctionalInterface
    interface Connector {
        ChannelFuture connect(EventLoop loop, InetSocketAddress address);
    }

    /** One backend's connections on one loop. */
    private static final class Backend {
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        final ArrayDeque<Promise<Channel>> waiting = new ArrayDeque<>();
        int busy;
    }

    private final Connector connector;
    private final FastThreadLocal<Map<InetSocketAddress, Backend>> backends = new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, Backend> initialValue() {
            return new HashMap<>();
        }
    };

    BackendPool(Connector connector) {
        this.connector = connector;
    }

    /** Connections of {@code channelClass} (epoll or NIO), closed after {@code idleSeconds} unused. */
    static BackendPool over(Class<? extends Channel> channelClass, int connectTimeoutMillis, int idleSeconds) {
        Bootstrap template = new Bootstrap()
                .channel(channelClass)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initPipeline(ch.pipeline(), idleSeconds);
                    }
                });
        return new BackendPool((loop, address) -> template.clone(loop).connect(address));
    }

    /** What every backend connection's pipeline holds: its idle timeout, the HTTP codec, the response side. */
    static void initPipeline(ChannelPipeline pipeline, int idleSeconds) {
        pipeline.addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
                .addLast("codec", new HttpClientCodec(8192, 65536, 8192))
                .addLast("backend", new BackendHandler());
    }

    /**
     * A connection to {@code address}: a pooled one if one is alive, else a new one, or — for an
     * ordinary request when the backend's busy connections are at the bound — the next one released.
     *
     * @param longLived the request opens a stream that may hold the connection indefinitely
     */
    Future<Channel> acquire(EventLoop loop, InetSocketAddress address, boolean longLived) {
        Backend b = backends.get().computeIfAbsent(address, a -> new Backend());
        Channel c;
        while ((c = b.idle.pollLast()) != null) {
            if (c.isActive()) {
                count(b, c, !longLived);
                return loop.newSucceededFuture(c);
            }
        }
        if (longLived || b.busy < MAX_BUSY_PER_BACKEND) {
            return connect(loop, address, b, !longLived);
        }
        Promise<Channel> waiter = loop.newPromise();
        b.waiting.add(waiter);
        loop.schedule(() -> {
            if (!waiter.isDone() && b.waiting.remove(waiter)) {
                connectFor(waiter, loop, address, b, false);
            }
        }, MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        return waiter;
    }

    private Future<Channel> connect(EventLoop loop, InetSocketAddress address, Backend b, boolean counted) {
        ChannelFuture f = connector.connect(loop, address);
        Channel c = f.channel();
        c.attr(ADDRESS).set(address);
        count(b, c, counted);
        c.closeFuture().addListener(closed -> {
            if (uncount(b, c)) {
                serveWaiting(loop, address, b); // its place goes to a waiting request
            }
        });
        Promise<Channel> connected = loop.newPromise();
        f.addListener(done -> {
            if (done.isSuccess()) {
                connected.trySuccess(c);
            } else {
                connected.tryFailure(done.cause());
            }
        });
        return connected;
    }

    /** Returns a connection whose last exchange ended cleanly: to a waiting request, or to the idle ones. */
    void release(Channel channel) {
        InetSocketAddress address = channel.attr(ADDRESS).get();
        Backend b = address == null ? null : backends.get().get(address);
        if (!channel.isActive() || b == null) {
            channel.close();
            return;
        }
        channel.pipeline().get(BackendHandler.class).detach();
        Promise<Channel> waiter;
        while ((waiter = b.waiting.poll()) != null) {
            if (channel.attr(COUNTED).get() != Boolean.TRUE) {
                count(b, channel, true);
            }
            if (waiter.trySuccess(channel)) {
                return; // still busy, now with the waiting request
            }
        }
        uncount(b, channel);
        if (b.idle.size() >= MAX_BUSY_PER_BACKEND) {
            channel.close();
            return;
        }
        b.idle.addLast(channel);
        channel.read(); // notice a close while idle
    }

    /** New connections for waiting requests, while the bound allows. */
    private void serveWaiting(EventLoop loop, InetSocketAddress address, Backend b) {
        while (b.busy < MAX_BUSY_PER_BACKEND && !b.waiting.isEmpty()) {
            Promise<Channel> waiter = b.waiting.poll();
            if (!waiter.isDone()) {
                connectFor(waiter, loop, address, b, true);
            }
        }
    }

    /** A new connection for a request that waited. */
    private void connectFor(Promise<Channel> waiter, EventLoop loop, InetSocketAddress address, Backend b,
                            boolean counted) {
        connect(loop, address, b, counted).addListener(f -> {
            if (f.isSuccess()) {
                if (!waiter.trySuccess((Channel) f.getNow())) {
                    release((Channel) f.getNow());
                }
            } else {
                waiter.tryFailure(f.cause());
            }
        });
    }

    /**
     * Closes every idle connection and forgets this pool on each of {@code group}'s loops (a pool that
     * is dropped: the warm-up's); waits up to a few seconds.
     */
    void closeAll(EventLoopGroup group) {
        for (EventExecutor loop : group) {
            loop.submit(() -> {
                for (Backend b : backends.get().values()) {
                    b.idle.forEach(Channel::close);
                    b.waiting.forEach(w -> w.tryFailure(new IllegalStateException("pool closed")));
                }
                backends.remove();
            }).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    private static void count(Backend b, Channel c, boolean counted) {
        if (counted) {
            b.busy++;
        }
        c.attr(COUNTED).set(counted);
    }

    private static boolean uncount(Backend b, Channel c) {
        if (c.attr(COUNTED).getAndSet(false) == Boolean.TRUE) {
            b.busy--;
            return true;
        }
        return false;
    }
}
