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
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request side of the proxy: one per client connection, one {@link Exchange} at a time. A request
 * head that passes {@link RequestRules} becomes an exchange, which goes IDLE → ADMITTING (route, key,
 * wake the instance: {@link Admission}; body parts that arrive meanwhile wait in the exchange) →
 * FORWARDING (head and body to PocketBase; {@link BackendHandler} relays the response and says when it
 * ended) → IDLE again when both directions ended and both sides keep alive. A request refused before
 * forwarding is answered here; a refused upload is not read: its connection closes (DISCARDING reads
 * only a body-less request's end marker). A {@code 101} hands both connections to a {@link Tunnel}.
 *
 * <p>Flow control, as in Netty's proxy example: the client channel does not auto-read; more of a body is
 * read only while the backend connection can take it, so at most one read's worth of an upload is in
 * memory. Once a request is forwarded the client is read ahead: a pipelined next request waits in
 * {@code backlog} until this exchange ends. A read kept pending across exchanges matters on the hot
 * path: with epoll, a read asked for after the last one completed costs two {@code epoll_ctl} calls.
 *
 * <p>Who the client is ({@link dev.picobase.proxy.TrustedProxies}, or the node that sent a valid
 * {@link ClusterHop}) is settled once per exchange. A request for an instance another node runs goes
 * to that node's gateway like to a PocketBase, marked as a hop. A request that opens a long-lived
 * stream takes a slot from {@link OpenStreams} once admitted, or is answered 429.
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
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    /** The current exchange once admitted, until it ends. */
    private Forwarding forwarding;
    private ScheduledFuture<?> headTimer;
    /** The connection's peer, and whether it is a trusted proxy (then the client is in X-Forwarded-For). */
    private InetAddress peer;
    private String peerAddress;
    private boolean peerTrusted;

    FrontendHandler(ProxyContext context) {
        this.context = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        peer = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress()
                : InetAddress.getLoopbackAddress();
        peerAddress = peer.getHostAddress(); // once per connection, not per request
        peerTrusted = context.proxies.trusts(peer);
        armHeadTimer();
        ctx.read();
    }

    /**
     * A client must send its next request head within the head timeout of connecting or of its last
     * response, or it is closed (an idle keep-alive, or a slowloris trickling bytes). Closing silently
     * is safe: clients retry requests on a connection closed while idle.
     */
    private void armHeadTimer() {
        cancelHeadTimer();
        headTimer = ctx.executor().schedule(() -> {
            if (state == State.IDLE) {
                state = State.CLOSED;
                ctx.close();
            }
        }, context.headTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!backlog.isEmpty() || (msg instanceof HttpRequest && state != State.IDLE && state != State.CLOSED)) {
            backlog.add(msg); // pipelined: served once the current exchange is over
        } else {
            dispatch(msg);
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
                    x.pending.add(c);
                    x.requestDone |= c instanceof LastHttpContent;
                }
            }
            case DISCARDING -> {
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last) {
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
        while (!backlog.isEmpty() && (state == State.IDLE || !(backlog.peek() instanceof HttpRequest))) {
            dispatch(backlog.poll()); // the one after next waits its turn
        }
        if (state == State.IDLE) {
            armHeadTimer();
            ctx.read();
        }
    }

    // ---- request side ---------------------------------------------------------------------------

    private void begin(HttpRequest r) {
        cancelHeadTimer();
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
        context.drain.requestBegan();
        boolean byHop = hop == ClusterHop.Verdict.VALID;
        // A valid hop's client is the address its node named in X-Real-IP (the one it counted it by).
        String named = byHop ? r.headers().get("X-Real-IP") : null;
        String client = named != null && !named.isBlank() ? named.strip()
                : peerTrusted && !byHop ? context.proxies.client(peer, r.headers()) : peerAddress;
        Exchange ex = x = new Exchange(r, client, byHop, began, context.drain.draining());
        state = State.ADMITTING;
        context.inFlight.incrementAndGet();
        CompletableFuture<Outcome> outcome = context.admission.admit(r, client, byHop);
        if (outcome.isDone()) {
            admitted(ex, outcome.join());
        } else {
            outcome.whenComplete((o, t) -> ctx.executor().execute(() ->
                    admitted(ex, t != null ? new Outcome.Respond(GatewayErrors.busy("try again shortly")) : o)));
        }
    }

    private void admitted(Exchange ex, Outcome outcome) {
        if (ex != x || state != State.ADMITTING) {
            if (outcome instanceof Outcome.Respond r) {
                ReferenceCountUtil.release(r.response());
            } else if (outcome instanceof Outcome.Forward f && f.hopTo() == null) {
                context.backends.exchangeEnded(f.instanceId()); // its target counted it as started
            }
            return; // the client went away while we waited
        }
        if (outcome instanceof Outcome.Respond r) {
            refuse(r.response());
            return;
        }
        Outcome.Forward f = (Outcome.Forward) outcome;
        x.target(f); // counted as started by its target: from here the exchange's end ends it
        if (ForwardedRequest.opensStream(x.request)) {
            x.stream = context.streams.open(f.instanceId(), x.clientAddress, f.keyId(), ctx.channel());
            if (x.stream.refusal() != null) {
                refuse(x.stream.refusal());
                return;
            }
        }
        forwarding = new Forwarding(context, this, ctx, x);
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
        forwarding = null;
        state = State.CLOSED;
        releaseBacklog();
    }

    String peerAddress() {
        return peerAddress;
    }

    boolean peerTrusted() {
        return peerTrusted;
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
        state = done ? State.IDLE : State.DISCARDING;
        ctx.writeAndFlush(response).addListener(f -> {
            if (!f.isSuccess()) {
                closeBoth();
            } else if (done) {
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

    private void releaseBacklog() {
        Object m;
        while ((m = backlog.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    void closeBoth() {
        cancelHeadTimer();
        if (x != null) {
            x.end(context);
        }
        state = State.CLOSED;
        releaseBacklog();
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
