package dev.picobase.proxy.internal;

import dev.picobase.proxy.Backends;
import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.GatewayErrors;
import dev.picobase.proxy.GatewayMetrics;
import dev.picobase.proxy.RateLimits;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client half of the proxy: one instance per client connection, one request at a time.
 *
 * <p>Flow control, as in Netty's proxy example: the client channel does not auto-read; the next
 * {@code read()} is asked for only when what was last read has been written to PocketBase, and
 * {@link BackendHandler} does the same the other way. So at most one read's worth of a body is in
 * memory per direction, however large the upload or download, and an SSE event is flushed to the
 * client as soon as PocketBase sends it. Nothing is aggregated. Once a request is forwarded, the
 * client is read ahead: its next request (one read's worth at most) waits in {@code backlog} until
 * this exchange ends. A read kept pending across exchanges matters on the hot path: with epoll, a
 * read asked for after the last one completed costs two {@code epoll_ctl} calls, a third of the
 * gateway's system calls per keep-alive request.
 *
 * <p>An exchange goes IDLE → ADMITTING (route, key, wake the instance: {@link Admission}; body parts
 * that arrived with the head wait in {@code pending}) → FORWARDING (head and body to PocketBase,
 * response back) → IDLE again when both directions ended and both sides keep alive. A WebSocket
 * upgrade answered with 101 turns the connection into a byte TUNNEL. A request refused before
 * forwarding is answered here (JSON error); its unread body is not read: the connection closes.
 *
 * <p>Who the client is ({@link TrustedProxies}) is settled once per exchange and used for the key-check
 * budget, the stream caps and the address headers PocketBase sees. A request that opens a long-lived
 * stream (SSE, WebSocket) takes a slot from {@link OpenStreams} once admitted, or is answered 429; the
 * slot is given back when the exchange ends, and revoking its key closes the connection.
 *
 * <p>Cluster mode ({@link ClusterHop}): a request whose target is another node's gateway goes there
 * like to a PocketBase, marked as a hop; the owner relays bytes back the same way, so bodies, SSE and
 * WebSocket tunnels stream through both nodes. A request that arrived as a valid hop counts as coming
 * from the client the forwarding node named; one with a hop header this node cannot verify is
 * answered 403 {@code cluster_hop_refused} and closed before admission.
 *
 * <p>For the instance's usage, the body bytes each exchange sends to its target and gets back are
 * counted in two fields and reported once, when the exchange ends ({@link Backends#exchangeEnded(String,
 * long, long)}); the rate limit's count, when the instance has one, puts its headers on the response.
 *
 * <p>Threading: everything runs on the client channel's event loop; the backend channel shares it.
 */
public final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(FrontendHandler.class);

    private enum State { IDLE, ADMITTING, FORWARDING, DISCARDING, TUNNEL, CLOSED }

    private final Admission admission;
    private final BackendPool pool;
    private final Backends backends;
    private final AtomicInteger inFlight;
    /** The gateway is stopping: each response closes its connection ({@link Drain}). */
    private final Drain drain;
    private final long responseTimeoutMillis;
    private final long headTimeoutMillis;
    private ScheduledFuture<?> headTimer;

    private ChannelHandlerContext ctx;
    private State state = State.IDLE;
    private final ArrayDeque<HttpContent> pending = new ArrayDeque<>();
    /** A pipelined next request (and its body) that arrived before the current exchange ended. */
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private HttpRequest request;
    private String instanceId;
    /** Whether {@code instanceId}'s target counted this exchange in (a hop target does not). */
    private boolean counted;
    /** The current target is another node's gateway: the request goes there marked as a hop. */
    private boolean hopTarget;
    /** The node a hop target goes to (null when the instance runs here). */
    private String hopNode;
    /** The current request arrived from another node as a valid hop. */
    private boolean arrivedByHop;
    private String keyId;
    private String serverTiming;
    private boolean keepAlive;
    private boolean requestDone;
    private boolean bodyDeclared;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean backendReadWanted;
    private boolean clientReadWanted;
    private boolean backendKeepAlive;
    private boolean upgrade;
    private boolean retried;
    private Channel backend;
    private boolean backendReused;
    private InetSocketAddress backendAddress;
    private ScheduledFuture<?> responseTimeout;
    /** Armed while the client is not reading its response (its channel is not writable). */
    private ScheduledFuture<?> stallTimer;
    private final GatewayMetrics metrics;
    private final OpenStreams streams;
    private final TrustedProxies proxies;
    /** The connection's peer, and whether it is a trusted proxy (then the client is in X-Forwarded-For). */
    private InetAddress peer;
    private String peerAddress;
    private boolean peerTrusted;
    /** The current exchange's client address (the peer, or what a trusted proxy says). */
    private String clientAddress;
    /** The current exchange's stream slot, when it opens a long-lived stream. */
    private OpenStreams.Slot stream;
    /** For metrics: when the current exchange's head arrived, and the status its client was sent. */
    private long beganNanos;
    private int responseStatus;
    /** The current exchange's count against its instance's rate limit (null: no limit). */
    private RateLimits.Taken rateLimit;
    /** For usage: the body bytes of the current exchange sent to its target and sent back. */
    private long bytesIn;
    private long bytesOut;

    public FrontendHandler(Admission admission, BackendPool pool, Backends backends, AtomicInteger inFlight,
                           Drain drain, long headTimeoutMillis, long responseTimeoutMillis, GatewayMetrics metrics,
                           OpenStreams streams, TrustedProxies proxies) {
        this.drain = drain;
        this.metrics = metrics;
        this.streams = streams;
        this.proxies = proxies;
        this.headTimeoutMillis = headTimeoutMillis;
        this.admission = admission;
        this.pool = pool;
        this.backends = backends;
        this.inFlight = inFlight;
        this.responseTimeoutMillis = responseTimeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        peer = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress()
                : InetAddress.getLoopbackAddress();
        peerAddress = peer.getHostAddress(); // once per connection, not per request
        peerTrusted = proxies.trusts(peer);
        armHeadTimer();
        ctx.read();
    }

    /**
     * A client must send its next request head within the head timeout of connecting or of its
     * last response; one that does not (an idle keep-alive, or a slowloris trickling bytes) is
     * closed. Closing silently is safe: clients retry requests on a connection closed while idle.
     */
    private void armHeadTimer() {
        cancelHeadTimer();
        headTimer = ctx.executor().schedule(() -> {
            if (state == State.IDLE) {
                state = State.CLOSED;
                ctx.close();
            }
        }, headTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!backlog.isEmpty() || (msg instanceof HttpRequest && state != State.IDLE && state != State.CLOSED
                && state != State.TUNNEL)) {
            backlog.add(msg); // pipelined: served once the current exchange is over
            return;
        }
        dispatch(msg);
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
            case ADMITTING -> {
                if (msg instanceof HttpContent c) {
                    pending.add(c);
                    requestDone |= c instanceof LastHttpContent;
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
            case FORWARDING -> forwardBody(msg);
            case DISCARDING -> {
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last) {
                    becomeIdle();
                } else {
                    ctx.read();
                }
            }
            case TUNNEL -> {
                bytesIn += msg instanceof ByteBuf b ? b.readableBytes() : 0;
                backend.write(msg).addListener(closeOnFailure()); // flushed at the batch's end
            }
            case CLOSED -> ReferenceCountUtil.release(msg);
        }
    }

    /** Ready for the next request: serve a pipelined one if it is already here, else read. */
    private void becomeIdle() {
        state = State.IDLE;
        request = null;
        while (!backlog.isEmpty()) {
            if (backlog.peek() instanceof HttpRequest && state != State.IDLE) {
                return; // the one after next waits its turn
            }
            dispatch(backlog.poll());
        }
        if (state == State.IDLE) {
            armHeadTimer();
            ctx.read();
        }
    }

    // ---- request side ---------------------------------------------------------------------------

    private void begin(HttpRequest r) {
        cancelHeadTimer();
        beganNanos = System.nanoTime();
        responseStatus = 0;
        serverTiming = null; // a cold start belongs to the exchange it happened for, not the next one
        rateLimit = null;
        bytesIn = 0;
        bytesOut = 0;
        DecoderResult decoded = r.decoderResult();
        if (decoded.isFailure()) {
            ReferenceCountUtil.release(r);
            Throwable cause = decoded.cause();
            HttpResponseStatus status = GatewayErrors.statusForDecoderFailure(cause);
            metrics.requestCompleted(status.code(), System.nanoTime() - beganNanos, false);
            answerAndClose(GatewayErrors.response(status, "malformed_request",
                    "the request is not valid HTTP: " + cause.getMessage()));
            return;
        }
        String problem = RequestRules.problem(r);
        if (problem != null) {
            ReferenceCountUtil.release(r);
            metrics.requestCompleted(400, System.nanoTime() - beganNanos, false);
            answerAndClose(GatewayErrors.response(HttpResponseStatus.BAD_REQUEST, "malformed_request", problem));
            return;
        }
        RequestRules.toOriginForm(r);
        if (r.headers().contains(HttpHeaderNames.EXPECT) && !HttpUtil.is100ContinueExpected(r)) {
            ReferenceCountUtil.release(r);
            metrics.requestCompleted(417, System.nanoTime() - beganNanos, false);
            answerAndClose(GatewayErrors.response(HttpResponseStatus.EXPECTATION_FAILED, "expectation_failed",
                    "only Expect: 100-continue is supported"));
            return;
        }
        request = r;
        drain.requestBegan();
        keepAlive = HttpUtil.isKeepAlive(r) && !drain.draining(); // answered with Connection: close
        upgrade = ForwardedRequest.isWebSocketUpgrade(r);
        requestDone = r instanceof LastHttpContent;
        bodyDeclared = RequestRules.declaresBody(r);
        responseStarted = false;
        responseDone = false;
        backendReadWanted = false;
        clientReadWanted = false;
        retried = false;
        ClusterHop.Verdict hop = admission.hops().check(r.headers());
        if (hop == ClusterHop.Verdict.REFUSED) {
            // A client posing as a node (or a node with another secret): nothing of it goes further.
            ReferenceCountUtil.release(r);
            metrics.requestCompleted(403, System.nanoTime() - beganNanos, false);
            answerAndClose(GatewayErrors.response(HttpResponseStatus.FORBIDDEN, "cluster_hop_refused",
                    "the " + ClusterHop.HEADER + " header is for nodes of this cluster only"));
            return;
        }
        arrivedByHop = hop == ClusterHop.Verdict.VALID;
        clientAddress = arrivedByHop ? hopClient(r) : peerTrusted ? proxies.client(peer, r.headers()) : peerAddress;
        state = State.ADMITTING;
        inFlight.incrementAndGet();
        CompletableFuture<Outcome> outcome = admission.admit(r, clientAddress, arrivedByHop);
        if (outcome.isDone()) {
            admitted(outcome.join());
        } else {
            outcome.whenComplete((o, t) -> ctx.executor().execute(() ->
                    admitted(t != null ? new Outcome.Respond(GatewayErrors.busy("try again shortly")) : o)));
        }
    }

    /**
     * The client of a valid hop: the address the forwarding node set in {@code X-Real-IP} (the one it
     * counted the client by), or that node itself if it named none.
     */
    private String hopClient(HttpRequest r) {
        String named = r.headers().get("X-Real-IP");
        return named == null || named.isBlank() ? peerAddress : named.strip();
    }

    private void admitted(Outcome outcome) {
        if (state != State.ADMITTING) {
            if (outcome instanceof Outcome.Respond r) {
                ReferenceCountUtil.release(r.response());
            } else if (outcome instanceof Outcome.Forward f && f.hopTo() == null) {
                backends.exchangeEnded(f.instanceId()); // its target counted it as started
            }
            return; // the client went away while we waited
        }
        if (outcome instanceof Outcome.Respond r) {
            refuse(r.response());
            return;
        }
        Outcome.Forward f = (Outcome.Forward) outcome;
        instanceId = f.instanceId(); // counted as started by its target: from here endExchange ends it
        counted = f.hopTo() == null;
        hopNode = f.hopTo();
        hopTarget = hopNode != null;
        keyId = f.keyId();
        rateLimit = f.rateLimit();
        if (ForwardedRequest.opensStream(request)) {
            stream = streams.open(f.instanceId(), clientAddress, f.keyId(), ctx.channel());
            if (stream.refusal() != null) {
                refuse(stream.refusal());
                return;
            }
        }
        serverTiming = f.serverTiming();
        backendAddress = f.backend();
        connect();
    }

    private void connect() {
        BackendPool.Lease lease = pool.acquire(ctx.channel().eventLoop(), backendAddress);
        backendReused = lease.reused();
        ChannelFuture f = lease.future();
        if (f.isDone()) {
            connected(f);
        } else {
            f.addListener((ChannelFutureListener) this::connected);
        }
    }

    private void connected(ChannelFuture f) {
        if (state != State.ADMITTING) {
            f.channel().close();
            return;
        }
        if (!f.isSuccess() && !retried) {
            // Nothing was sent (the request waits in `pending`), so any method may go again. The
            // instance may have been stopping: ask where it runs now.
            retryOnFreshBackend();
            return;
        }
        if (!f.isSuccess() && hopTarget) {
            // The owner's gateway does not listen: it is draining (it gives the lease back once its
            // instances are saved) or gone (its lease lapses). Another node serves the instance shortly.
            refuse(GatewayErrors.unavailable("instance_owner_unreachable",
                    "the node serving this instance is restarting or unreachable; try again shortly"));
            return;
        }
        if (!f.isSuccess()) {
            boolean timeout = f.cause() instanceof ConnectTimeoutException;
            refuse(GatewayErrors.response(timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                    timeout ? "backend_timeout" : "backend_unavailable",
                    "the instance did not accept the connection"));
            return;
        }
        backend = f.channel();
        backend.pipeline().get(BackendHandler.class).attach(this);
        state = State.FORWARDING;
        if (HttpUtil.is100ContinueExpected(request) && !requestDone) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        // A valid hop's forwarding node is believed like a trusted proxy: its X-Forwarded-* name the client.
        HttpRequest out = ForwardedRequest.toBackend(request, clientAddress, peerAddress, peerTrusted || arrivedByHop,
                upgrade);
        if (hopTarget) {
            admission.hops().mark(out.headers(), keyId);
        }
        backend.write(out);
        ChannelFuture last = null;
        boolean endWritten = false;
        while (!pending.isEmpty()) {
            HttpContent part = pending.poll();
            endWritten |= part instanceof LastHttpContent;
            bytesIn += part.content().readableBytes();
            last = backend.write(part);
        }
        if (requestDone && !endWritten) {
            // A retry: the body-less request's end marker went to the first backend; end this one too.
            last = backend.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        backend.flush();
        backend.read();
        responseTimeout = ctx.executor().schedule(this::responseTimedOut, responseTimeoutMillis, TimeUnit.MILLISECONDS);
        if (last != null) {
            last.addListener(closeOnFailure());
        }
        // The rest of the body, or (read-ahead) the client's next request, which waits in the backlog.
        readClientIfBackendWritable();
    }

    private void forwardBody(Object msg) {
        if (!(msg instanceof HttpContent c)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        requestDone |= last;
        bytesIn += c.content().readableBytes();
        backend.write(c).addListener(closeOnFailure()); // flushed at the end of this read batch
    }

    /**
     * Backpressure, client to PocketBase: after a batch of reads is written, read more from the
     * client only while the backend connection can take it; otherwise wait for it to drain
     * ({@link #backendWritabilityChanged}). So an upload never piles up in the gateway.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if ((state == State.FORWARDING || state == State.TUNNEL) && backend != null) {
            backend.flush();
            if (backlog.isEmpty()) {
                readClientIfBackendWritable();
            }
        }
    }

    private void readClientIfBackendWritable() {
        if (backend.isWritable()) {
            ctx.read();
        } else {
            clientReadWanted = true;
        }
    }

    void backendWritabilityChanged() {
        if (clientReadWanted && backend != null && backend.isWritable() && state != State.CLOSED) {
            clientReadWanted = false;
            ctx.read();
        }
    }

    private ChannelFutureListener closeOnFailure() {
        return f -> {
            if (!f.isSuccess()) {
                closeBoth();
            }
        };
    }

    // ---- response side --------------------------------------------------------------------------

    void fromBackend(Channel from, Object msg) {
        if (from != backend || state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (state == State.TUNNEL) {
            if (msg instanceof HttpObject) {
                // The 101's empty end marker, decoded with it before the codec came out: no bytes.
                ReferenceCountUtil.release(msg);
                return;
            }
            bytesOut += msg instanceof ByteBuf b ? b.readableBytes() : 0;
            ctx.write(msg).addListener(closeOnFailure());
            return;
        }
        if (msg instanceof HttpResponse response) {
            cancelResponseTimeout();
            if (response.status().code() == 100) {
                ReferenceCountUtil.release(msg); // we answered 100-continue ourselves
                backend.read();
                return;
            }
            responseStarted = true;
            responseStatus = response.status().code();
            if (upgrade && response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                ReferenceCountUtil.release(msg);
                becomeTunnel(response);
                return;
            }
            prepareResponse(response);
        }
        if (msg instanceof HttpContent c) {
            bytesOut += c.content().readableBytes();
        }
        ChannelFuture written = ctx.write(msg); // flushed at the end of this read batch
        if (msg instanceof LastHttpContent) {
            responseDone = true;
            written.addListener(f -> exchangeDone(f.isSuccess()));
        } else {
            written.addListener(closeOnFailure());
        }
    }

    /**
     * Backpressure, PocketBase to client: after a batch from the backend is flushed, read more only
     * while the client connection can take it; otherwise wait until it drains
     * ({@link #channelWritabilityChanged}). A slow client holds back PocketBase, not our heap.
     */
    void backendBatchDone() {
        if (state == State.CLOSED) {
            return;
        }
        ctx.flush();
        if (backend == null || (state == State.FORWARDING && responseDone)) {
            return; // the response is complete: the connection goes back to the pool, unread
        }
        if (ctx.channel().isWritable()) {
            backend.read();
        } else {
            backendReadWanted = true;
            armStallTimer();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            cancelStallTimer();
        }
        if (backendReadWanted && ctx.channel().isWritable() && backend != null) {
            backendReadWanted = false;
            backend.read();
        }
    }

    /**
     * A client that reads nothing of its response for the response timeout is closed. Without this a
     * client could hold an exchange — and a connection to PocketBase — for ever by not reading (150
     * slow-reading connections from one address held 150 PocketBase connections for minutes, past
     * the stream cap, which counts only SSE and WebSocket requests).
     */
    private void armStallTimer() {
        if (stallTimer == null) {
            stallTimer = ctx.executor().schedule(() -> {
                stallTimer = null;
                if (!ctx.channel().isWritable()) {
                    LOG.debug("client read nothing for {} ms; closing", responseTimeoutMillis);
                    closeBoth();
                }
            }, responseTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void cancelStallTimer() {
        if (stallTimer != null) {
            stallTimer.cancel(false);
            stallTimer = null;
        }
    }

    private void prepareResponse(HttpResponse response) {
        keepAlive &= !drain.draining(); // a request begun before the drain: its connection closes too
        backendKeepAlive = HttpUtil.isKeepAlive(response);
        boolean hadLength = HttpUtil.isContentLengthSet(response);
        ForwardedRequest.removeHopByHop(response.headers());
        if (!hadLength && mayHaveBody(response)) {
            response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (serverTiming != null) {
            response.headers().add("Server-Timing", serverTiming);
        }
        if (rateLimit != null) {
            rateLimit.addHeaders(response.headers());
        }
    }

    private boolean mayHaveBody(HttpResponse response) {
        int code = response.status().code();
        return !request.method().equals(HttpMethod.HEAD) && code >= 200 && code != 204 && code != 304;
    }

    private void exchangeDone(boolean delivered) {
        if (state != State.FORWARDING) {
            return;
        }
        endExchange();
        Channel b = backend;
        backend = null;
        b.pipeline().get(BackendHandler.class).detach();
        if (delivered && backendKeepAlive && requestDone) {
            pool.release(b);
        } else {
            b.close();
        }
        if (delivered && keepAlive && requestDone) {
            becomeIdle();
        } else {
            state = State.CLOSED;
            ctx.close();
        }
    }

    private void becomeTunnel(HttpResponse response) {
        ForwardedRequest.removeHopByHop(response.headers());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        state = State.TUNNEL;
        ctx.writeAndFlush(response).addListener(f -> {
            if (!f.isSuccess()) {
                closeBoth();
                return;
            }
            ctx.pipeline().remove(io.netty.handler.codec.http.HttpServerCodec.class);
            backend.pipeline().remove("codec");
            backend.pipeline().remove("idle");
            ctx.read();
            backend.read();
        });
    }

    void backendClosed(Channel from, Throwable cause) {
        if (from != backend || state == State.CLOSED) {
            return;
        }
        cancelResponseTimeout();
        if (state == State.FORWARDING && !responseStarted && !retried && requestDone && pendingWasReplayable()) {
            // A pooled connection PocketBase had already closed, or its process is being stopped:
            // ask again where the instance runs (waiting for it to wake if need be), then retry once.
            backend = null;
            retryOnFreshBackend();
            return;
        }
        if (state == State.FORWARDING && !responseStarted) {
            backend = null;
            refuse(GatewayErrors.response(HttpResponseStatus.BAD_GATEWAY, "backend_failed",
                    "the instance closed the connection before answering"));
            return;
        }
        closeBoth(); // mid-response or tunnel: the client sees the connection end
    }

    /** Re-resolves the backend (which may wake the instance again) and connects once more. */
    private void retryOnFreshBackend() {
        retried = true;
        state = State.ADMITTING;
        cancelResponseTimeout();
        String id = instanceId;
        // Ended first: a stop that is draining must not wait for a request its old process cannot
        // serve; the new target counts it again.
        instanceId = null;
        if (counted) {
            backends.exchangeEnded(id);
        }
        // The owner may have changed meanwhile (its lease expired and this node took it, or the other
        // way); a hop that failed waits for its draining or dead owner to let go.
        (hopTarget ? backends.targetAfterFailedHop(id, hopNode) : backends.targetFor(id)).whenComplete((target, t) -> ctx.executor().execute(() -> {
            if (state != State.ADMITTING) {
                if (t == null && !target.hop()) {
                    backends.exchangeEnded(id);
                }
                return;
            }
            Outcome next = t != null ? Admission.failure(t) : Admission.forwardTo(id, keyId, target, arrivedByHop);
            if (next instanceof Outcome.Respond r) {
                refuse(r.response()); // as if it failed on admission
                return;
            }
            instanceId = id;
            counted = !target.hop();
            hopNode = target.hopTo();
            hopTarget = target.hop();
            backendAddress = target.address();
            connect();
        }));
    }

    /** Requests that can be sent again safely: no body was consumed and they change nothing. */
    private boolean pendingWasReplayable() {
        return request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD)
                || request.method().equals(HttpMethod.OPTIONS);
    }

    private void responseTimedOut() {
        if (state == State.FORWARDING && !responseStarted) {
            Channel b = backend;
            backend = null;
            if (b != null) {
                b.close();
            }
            refuse(GatewayErrors.response(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout",
                    "the instance did not answer in time"));
        }
    }

    private void cancelResponseTimeout() {
        if (responseTimeout != null) {
            responseTimeout.cancel(false);
            responseTimeout = null;
        }
    }

    // ---- answering at the gateway ---------------------------------------------------------------

    /**
     * Answers the current request at the gateway. The connection stays open when the request had no
     * body (its end marker is swallowed); a refused upload is not read further: the connection closes.
     */
    private void refuse(FullHttpResponse response) {
        responseStatus = response.status().code();
        endExchange();
        releasePending();
        if (!keepAlive || (bodyDeclared && !requestDone)) {
            answerAndClose(response);
            return;
        }
        if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        boolean done = requestDone;
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

    private void endExchange() {
        if (state == State.ADMITTING || state == State.FORWARDING || state == State.TUNNEL) {
            inFlight.decrementAndGet();
            // Backends gives a Server-Timing value exactly when the instance was cold-started for us.
            long took = System.nanoTime() - beganNanos;
            metrics.requestCompleted(responseStatus, took, serverTiming != null);
            if (hopTarget) {
                metrics.forwardedCompleted(took);
            }
            if (instanceId != null) {
                if (counted) {
                    backends.exchangeEnded(instanceId, bytesIn, bytesOut);
                }
                instanceId = null;
            }
        }
        if (stream != null) {
            stream.close();
            stream = null;
        }
        cancelResponseTimeout();
    }

    private void releasePending() {
        HttpContent c;
        while ((c = pending.poll()) != null) {
            c.release();
        }
    }

    private void closeBoth() {
        cancelHeadTimer();
        cancelStallTimer();
        endExchange();
        state = State.CLOSED;
        releasePending();
        if (backend != null) {
            backend.close();
            backend = null;
        }
        ctx.close();
    }

    // ---- connection events ----------------------------------------------------------------------

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeBoth(); // ends a tunnel's exchange too
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("client connection error: {}", cause.toString());
        closeBoth();
    }

    /** For tests. */
    boolean idle() {
        return state == State.IDLE;
    }
}
