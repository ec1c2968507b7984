package dev.picobase.proxy.internal;

import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.GatewayErrors;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client connection: one {@link Exchange} at a time. A request head that passes {@link RequestRules}
 * becomes an exchange, which goes IDLE → ADMITTING (route, key, wake: {@link Admission}; body parts read
 * meanwhile wait in the exchange) → FORWARDING ({@link Forwarding}) → IDLE once it ended and both sides
 * keep alive. A request refused before forwarding is answered here (DISCARDING until the answer is
 * written and a body-less request's end marker read; a refused upload closes the connection). A
 * {@code 101} hands both connections to a {@link Tunnel}. The channel does not auto-read (reads are
 * asked for when the exchange can take more); a pipelined next request waits in the {@link Backlog}.
 *
 * <p>Threading: everything runs on the client channel's event loop; the backend channel shares it.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(FrontendHandler.class);

    private enum State { IDLE, ADMITTING, FORWARDING, DISCARDING, CLOSED }

    private final ProxyContext context;
    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private Exchange x;
    /** A pipelined next request (and its body) that arrived before the current exchange ended. */
    private final Backlog backlog = new Backlog();
    /** The current exchange once admitted, until it ends. */
    private Forwarding forwarding;
    private final Countdown headTimer = new Countdown();
    private Peer peer;

    FrontendHandler(ProxyContext context) {
        this.context = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        peer = Peer.of(ctx.channel(), context.proxies);
        armHeadTimer();
        ctx.read();
    }

    /**
     * A client must send its next request head within the head timeout of connecting or of its last
     * response, or it is closed (an idle keep-alive, or a slowloris trickling bytes). Closing silently
     * is safe: clients retry requests on a connection closed while idle.
     */
    private void armHeadTimer() {
        headTimer.start(ctx.executor(), context.headTimeoutMillis, () -> {
            if (state == State.IDLE) {
                state = State.CLOSED;
                ctx.close();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!backlog.holds(msg, state != State.IDLE && state != State.CLOSED)) {
            dispatch(msg); // else pipelined: served once the current exchange is over
        }
    }

    private void dispatch(Object msg) {
        switch (state) {
            case IDLE -> {
                if (msg instanceof HttpRequest r) {
                    begin(r);
                } else {
                    ReferenceCountUtil.release(msg);
                    ctx.read();
                }
            }
            case ADMITTING, FORWARDING -> {
                if (!(msg instanceof HttpContent c)) {
                    ReferenceCountUtil.release(msg);
                } else if (forwarding != null) {
                    forwarding.body(c);
                } else {
                    x.pend(c);
                }
            }
            case DISCARDING -> {
                ReferenceCountUtil.release(msg);
                if (msg instanceof LastHttpContent) {
                    becomeIdle();
                } else {
                    ctx.read();
                }
            }
            case CLOSED -> ReferenceCountUtil.release(msg);
        }
    }

    /** Ready for the next request: serve a pipelined one if it is already here, else read. */
    private void becomeIdle() {
        state = State.IDLE;
        x = null;
        backlog.replay(this::dispatch, () -> state == State.IDLE); // the one after next waits its turn
        if (state == State.IDLE) {
            armHeadTimer();
            ctx.read();
        }
    }

    // ---- request side ---------------------------------------------------------------------------

    private void begin(HttpRequest r) {
        headTimer.cancel();
        long began = System.nanoTime();
        ClusterHop.Verdict hop = r.decoderResult().isSuccess() ? context.admission.hops().check(r.headers())
                : ClusterHop.Verdict.NONE;
        FullHttpResponse refusal = RequestRules.check(r, hop);
        if (refusal != null) {
            ReferenceCountUtil.release(r);
            context.metrics.requestCompleted(refusal.status().code(), System.nanoTime() - began, false);
            answerAndClose(refusal);
            return;
        }
        boolean byHop = hop == ClusterHop.Verdict.VALID;
        Exchange ex = x = Exchange.begin(context, r, peer.clientOf(r, byHop), byHop, began);
        state = State.ADMITTING;
        CompletableFuture<Outcome> outcome = context.admission.admit(r, ex.clientAddress, byHop);
        if (outcome.isDone()) {
            admitted(ex, outcome.join());
        } else {
            outcome.whenComplete((o, t) -> ctx.executor().execute(() ->
                    admitted(ex, t != null ? new Outcome.Respond(GatewayErrors.busy("try again shortly")) : o)));
        }
    }

    private void admitted(Exchange ex, Outcome outcome) {
        if (ex != x || state != State.ADMITTING) {
            outcome.discard(context.backends); // the client went away while we waited
            return;
        }
        if (outcome instanceof Outcome.Respond r) {
            refuse(r.response());
            return;
        }
        x.target((Outcome.Forward) outcome); // counted as started by its target: its end ends it
        forwarding = new Forwarding(context, this, ctx, peer, x);
        state = State.FORWARDING;
        forwarding.start();
    }

    /** After a batch of reads: to the backend, and read on (unless a pipelined request waits its turn). */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (forwarding != null) {
            forwarding.clientBatchDone(backlog.isEmpty());
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (forwarding != null && ctx.channel().isWritable()) {
            forwarding.clientWritable();
        }
    }

    // ---- what the forwarding reports --------------------------------------------------------------

    /** The exchange ended; the connection goes on to the next request, or closes. */
    void forwarded(boolean keepConnection) {
        forwarding = null;
        if (keepConnection) {
            becomeIdle();
        } else {
            state = State.CLOSED;
            ctx.close();
        }
    }

    /** The connection became a {@link Tunnel}: this handler leaves the pipeline. */
    void tunnelled() {
        headTimer.close();
        forwarding = null;
        state = State.CLOSED;
        backlog.release();
    }

    // ---- answering at the gateway ---------------------------------------------------------------

    /**
     * Answers the current request at the gateway. The connection stays open when the request had no
     * body (its end marker is swallowed); a refused upload is not read further: the connection closes.
     */
    void refuse(FullHttpResponse response) {
        forwarding = null;
        x.responseStatus = response.status().code();
        x.end(context);
        if (!x.keepAlive || (x.bodyDeclared && !x.requestDone)) {
            answerAndClose(response);
            return;
        }
        if (x.http10()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        boolean done = x.requestDone;
        state = State.DISCARDING; // a pipelined next request waits until the answer is written
        ctx.writeAndFlush(response).addListener(f -> {
            if (!f.isSuccess()) {
                closeBoth();
            } else if (done && state == State.DISCARDING) {
                becomeIdle();
            }
        });
        if (!done) {
            ctx.read(); // only the end marker of a body-less request is left
        }
    }

    private void answerAndClose(FullHttpResponse response) {
        state = State.CLOSED;
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    void closeBoth() {
        headTimer.close();
        if (x != null) {
            x.end(context);
        }
        state = State.CLOSED;
        backlog.release();
        if (forwarding != null) {
            forwarding.abandon();
            forwarding = null;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeBoth();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("client connection error: {}", cause.toString());
        closeBoth();
    }
}
