package dev.picobase.proxy;

import dev.picobase.config.ConnectionLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Keeps one listening port from holding more connections than its {@link ConnectionLimits}: in total,
 * and from one client address. Without it, one address opening tens of thousands of idle connections
 * used up the process's file descriptors and every port of the platform stopped answering.
 *
 * <p>The check runs once per accepted connection, before any handler or buffer is set up: two atomic
 * counts. A connection past a limit is answered at once with a prebuilt response (429 for the address
 * limit, 503 for the total, each with {@code Retry-After}), its output shut, and it is closed a moment
 * later (closing at once with the request unread would make the kernel reset the connection and the
 * client could lose the answer). At most {@link #MAX_LINGERING} refused connections linger like that;
 * past it they are closed straight away, so a flood of refusals cannot itself hold descriptors.
 *
 * <p>An address is counted as {@link AddressBuckets} says (an IPv6 client by its /64). Peers for
 * which {@code unlimitedPeer} holds (trusted proxies, which carry many clients on their
 * connections) count toward the total only.
 *
 * <p>Threading: {@link #admit} is called from a channel initializer on the new connection's event
 * loop; the counts are shared by all loops and updated atomically.
 */
public final class ConnectionLimiter {
    static final int MAX_LINGERING = 256;
    private static final long LINGER_MILLIS = 1_000;

    private final ConnectionLimits limits;
    private final Predicate<InetAddress> unlimitedPeer;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicInteger lingering = new AtomicInteger();
    private final LongAdder refusedForAddress = new LongAdder();
    private final LongAdder refusedForTotal = new LongAdder();
    private final byte[] tooManyFromAddress;
    private final byte[] tooManyInTotal;

    public ConnectionLimiter(ConnectionLimits limits, Predicate<InetAddress> unlimitedPeer) {
        this.limits = limits;
        this.unlimitedPeer = unlimitedPeer;
        this.tooManyFromAddress = encode(HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_connections",
                "too many open connections from your address (at most " + limits.perAddress() + ")");
        this.tooManyInTotal = encode(HttpResponseStatus.SERVICE_UNAVAILABLE, "server_busy",
                "the server has too many open connections; try again shortly");
    }

    /**
     * Counts {@code ch} in, or answers and closes it when a limit is reached. Returns whether the
     * caller should set up its pipeline. The count is given back when the channel closes.
     */
    public boolean admit(Channel ch) {
        InetAddress address = ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        if (open.incrementAndGet() > limits.total()) {
            open.decrementAndGet();
            refusedForTotal.increment();
            refuse(ch, tooManyInTotal);
            return false;
        }
        String counted = address != null && !unlimitedPeer.test(address) ? AddressBuckets.of(address) : null;
        if (counted != null && perAddress.merge(counted, 1, Integer::sum) > limits.perAddress()) {
            release(counted);
            refusedForAddress.increment();
            refuse(ch, tooManyFromAddress);
            return false;
        }
        ch.closeFuture().addListener(f -> release(counted));
        return true;
    }

    private void release(String counted) {
        open.decrementAndGet();
        if (counted != null) {
            perAddress.computeIfPresent(counted, (a, n) -> n == 1 ? null : n - 1);
        }
    }

    private void refuse(Channel ch, byte[] response) {
        ch.config().setAutoRead(false);
        ChannelFutureListener afterWrite;
        if (lingering.incrementAndGet() > MAX_LINGERING || !(ch instanceof DuplexChannel duplex)) {
            lingering.decrementAndGet();
            afterWrite = ChannelFutureListener.CLOSE;
        } else {
            ch.closeFuture().addListener(f -> lingering.decrementAndGet());
            afterWrite = f -> {
                if (!f.isSuccess()) {
                    ch.close();
                    return;
                }
                // Read and drop what the client sends until it closes, for a moment at most.
                duplex.shutdownOutput();
                ch.pipeline().addLast(Discard.INSTANCE);
                ch.config().setAutoRead(true);
                ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            };
        }
        ch.writeAndFlush(Unpooled.wrappedBuffer(response)).addListener(afterWrite);
    }

    /** Connections open now (tests and metrics). */
    public int open() {
        return open.get();
    }

    /** Connections refused since start because their address had too many open (metrics). */
    public long refusedForAddress() {
        return refusedForAddress.sum();
    }

    /** Connections refused since start because the port had too many open (metrics). */
    public long refusedForTotal() {
        return refusedForTotal.sum();
    }

    private static byte[] encode(HttpResponseStatus status, String code, String message) {
        FullHttpResponse r = GatewayErrors.response(status, code, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, "1").set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        EmbeddedChannel encoder = new EmbeddedChannel(new HttpResponseEncoder());
        encoder.writeOutbound(r);
        ByteBuf all = Unpooled.buffer();
        for (Object part; (part = encoder.readOutbound()) != null; ) {
            all.writeBytes((ByteBuf) part);
            ReferenceCountUtil.release(part);
        }
        encoder.finishAndReleaseAll();
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        return bytes;
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ctx.close(); // the client shut its side (half-closure events) — nothing more to wait for
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
