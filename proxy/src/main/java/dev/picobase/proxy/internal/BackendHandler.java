package dev.picobase.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The response side of the proxy, one per connection to a PocketBase (or to another node's gateway):
 * while {@linkplain #attach attached} to an exchange it relays the response to that exchange's client
 * — the head rewritten by {@link ForwardedResponse}, the body as it comes — and tells the exchange's {@link
 * Forwarding} when the response has ended, when the connection failed first, or when PocketBase
 * switched protocols. While pooled (detached) it drops anything PocketBase sends and closes on idle
 * timeout or on error.
 *
 * <p>Flow control, the mirror of the request side: one flush to the client per batch read from
 * PocketBase, and the next read only while the client can take more; otherwise it waits for the client
 * to drain ({@link #clientWritable}). A slow client holds back PocketBase, not the heap; one that reads
 * nothing for the response timeout is closed — without that, 150 slow-reading connections from one
 * address held 150 PocketBase connections for minutes, past the stream cap. PocketBase must send the
 * response head within the same timeout of the request being sent, or the client gets 504.
 *
 * <p>Threading: runs on the backend channel's event loop, which is also its client's.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private ChannelHandlerContext ctx;
    private Forwarding forwarding;
    private ChannelHandlerContext client;
    private Exchange exchange;
    private ProxyContext context;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean upgraded;
    private boolean keepAlive;
    private boolean readWanted;
    private final Countdown responseTimeout = new Countdown();
    private final Countdown stallTimer = new Countdown();

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Relays the response to {@code exchange} to {@code client}; its request is about to be written. */
    void attach(Forwarding forwarding, ChannelHandlerContext client, Exchange exchange, ProxyContext context) {
        this.forwarding = forwarding;
        this.client = client;
        this.exchange = exchange;
        this.context = context;
        responseStarted = false;
        responseDone = false;
        upgraded = false;
        readWanted = false;
        responseTimeout.start(ctx.executor(), context.responseTimeoutMillis, forwarding::responseTimedOut);
        ctx.read();
    }

    void detach() {
        forwarding = null;
        client = null;
        exchange = null;
        responseTimeout.cancel();
        stallTimer.cancel();
    }

    boolean responseStarted() {
        return responseStarted;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (forwarding == null) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // nothing is expected on an idle connection
            return;
        }
        if (upgraded) {
            relayUpgraded(msg);
            return;
        }
        if (msg instanceof HttpResponse response) {
            responseTimeout.cancel();
            if (response.status().code() == 100) {
                ReferenceCountUtil.release(msg); // the gateway answered 100-continue itself
                ctx.read();
                return;
            }
            responseStarted = true;
            exchange.responseStatus = response.status().code();
            if (exchange.upgrade && response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                ReferenceCountUtil.release(msg);
                upgraded = true;
                ForwardedResponse.toUpgradedClient(response);
                forwarding.upgraded(response);
                return;
            }
            keepAlive = ForwardedResponse.toClient(response, exchange, context.drain.draining());
        }
        if (msg instanceof HttpContent c) {
            exchange.bytesOut += c.content().readableBytes();
        }
        ChannelFuture written = client.write(msg); // flushed at the end of this read batch
        if (msg instanceof LastHttpContent) {
            responseDone = true;
            Forwarding f = forwarding;
            boolean reusable = keepAlive;
            written.addListener(w -> f.responseEnded(w.isSuccess(), reusable));
        } else {
            written.addListener(closeOnFailure());
        }
    }

    /** Between the 101 and the {@link Tunnel}: WebSocket bytes already read go to the client after it. */
    private void relayUpgraded(Object msg) {
        if (msg instanceof HttpObject) {
            ReferenceCountUtil.release(msg); // the 101's empty end marker
            return;
        }
        exchange.bytesOut += msg instanceof ByteBuf b ? b.readableBytes() : 0;
        client.write(msg).addListener(closeOnFailure());
    }

    private ChannelFutureListener closeOnFailure() {
        Forwarding f = forwarding;
        return w -> {
            if (!w.isSuccess() && f != null) {
                f.fail();
            }
        };
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (forwarding == null) {
            return;
        }
        client.flush();
        if (responseDone) {
            return; // the connection goes back to the pool, unread
        }
        if (client.channel().isWritable()) {
            ctx.read();
        } else {
            readWanted = true;
            armStallTimer();
        }
    }

    /** The client's connection drained: read on if a read waits for it. */
    void clientWritable() {
        stallTimer.cancel();
        if (readWanted && forwarding != null) {
            readWanted = false;
            ctx.read();
        }
    }

    /** A client that reads nothing of its response for the response timeout is closed. */
    private void armStallTimer() {
        stallTimer.startUnlessRunning(ctx.executor(), context.responseTimeoutMillis, () -> {
            if (forwarding != null && !client.channel().isWritable()) {
                forwarding.fail();
            }
        });
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (forwarding != null) {
            forwarding.backendWritable();
        }
    }

    /** Replaced by a {@link Tunnel}'s relay, or closed: its timeouts' checks go. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        responseTimeout.close();
        stallTimer.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        responseTimeout.close();
        stallTimer.close();
        if (forwarding != null) {
            forwarding.backendClosed();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && forwarding == null) {
            ctx.close();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Forwarding f = forwarding;
        ctx.close();
        if (f != null) {
            f.backendClosed();
        }
    }
}
