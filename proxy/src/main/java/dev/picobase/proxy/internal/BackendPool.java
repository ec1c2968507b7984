package dev.picobase.proxy.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to PocketBase processes, one pool per event loop, so a frontend and its
 * backend connection always share a thread (no locks, no cross-thread hand-offs), as in Netty's
 * proxy example. An idle connection keeps one read pending so that a close by PocketBase is noticed
 * and the connection dropped from the pool; it is closed after {@code idleSeconds} unused.
 *
 * <p>Threading: every method must be called on {@code loop}, the frontend channel's event loop.
 */
final class BackendPool {
    static final AttributeKey<InetSocketAddress> ADDRESS = AttributeKey.valueOf("picobase.backend");
    private static final int MAX_IDLE_PER_BACKEND = 64;

    /** Opens a new connection to a backend, on the given loop. */
    @FunctionalInterface
    interface Connector {
        ChannelFuture connect(EventLoop loop, InetSocketAddress address);
    }

    private final Connector connector;
    private final FastThreadLocal<Map<InetSocketAddress, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
        @Override
        protected Map<InetSocketAddress, ArrayDeque<Channel>> initialValue() {
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

    /** A pooled connection if one is alive, else a new one. */
    ChannelFuture acquire(EventLoop loop, InetSocketAddress address) {
        ArrayDeque<Channel> channels = idle.get().get(address);
        while (channels != null && !channels.isEmpty()) {
            Channel c = channels.pollLast();
            if (c.isActive()) {
                return c.newSucceededFuture();
            }
        }
        ChannelFuture f = connector.connect(loop, address);
        f.channel().attr(ADDRESS).set(address);
        return f;
    }

    /** Returns a connection whose last exchange ended cleanly. */
    void release(Channel channel) {
        InetSocketAddress address = channel.attr(ADDRESS).get();
        if (!channel.isActive() || address == null) {
            channel.close();
            return;
        }
        ArrayDeque<Channel> channels = idle.get().computeIfAbsent(address, a -> new ArrayDeque<>());
        if (channels.size() >= MAX_IDLE_PER_BACKEND) {
            channel.close();
            return;
        }
        channel.pipeline().get(BackendHandler.class).detach();
        channels.addLast(channel);
        channel.read(); // notice a close while idle
    }
}
