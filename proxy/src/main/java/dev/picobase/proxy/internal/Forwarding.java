package dev.picobase.proxy.internal;

import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.GatewayErrors;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;

/**
 * An admitted exchange on its way to its target and back. It takes a connection to the target from the
 * {@link BackendPool} (a new one if none is idle), writes the request head ({@link ForwardedRequest})
 * and the body with flow control — more of the body is read from the client only while the backend
 * connection can take it, so at most one read's worth of an upload is in memory — and lets the
 * connection's {@link BackendHandler} relay the response. Once more, never twice, it asks again where
 * the instance runs and sends the request there: after a refused connect (nothing was sent, so any
 * method), or when the connection closed before any answer and the request can be replayed (a pooled
 * connection PocketBase had closed, or a process being stopped). The owner may have changed meanwhile:
 * a hop that failed waits for its draining or dead owner to let the instance go. Once the request is
 * sent the client is read ahead, so a read stays pending across exchanges (with epoll, a read asked
 * for after the last one completed costs two {@code epoll_ctl} calls).
 *
 * <p>It reports to its {@link FrontendHandler}, which owns the client connection: the exchange ended
 * (and whether the connection goes on), a refusal to answer instead, a failure that closes both sides,
 * or the switch to a {@link Tunnel}. After any of these, or {@link #abandon}, it does nothing more.
 *
 * <p>Threading: the client channel's event loop, which the backend channel shares.
 */
final class Forwarding {
    private final ProxyContext context;
    private final FrontendHandler frontend;
    private final ChannelHandlerContext client;
    private final Peer peer;
    private final Exchange x;
    private Channel backend;
    private BackendHandler response;
    private boolean clientReadWanted;
    private boolean over;

    Forwarding(ProxyContext context, FrontendHandler frontend, ChannelHandlerContext client, Peer peer, Exchange x) {
        this.context = context;
        this.frontend = frontend;
        this.client = client;
        this.peer = peer;
        this.x = x;
    }

    /**
     * Connects to the target the exchange has ({@link Exchange#target}) and sends it the request; a
     * request that opens a stream first takes its slot, or is refused past the stream caps.
     */
    void start() {
        FullHttpResponse tooManyStreams = x.openStream(context.streams, client.channel());
        if (tooManyStreams != null) {
            refuse(tooManyStreams);
            return;
        }
        Future<Channel> f = context.pool.acquire(client.channel().eventLoop(), x.backendAddress, x.stream != null);
        if (f.isDone()) {
            connected(f);
        } else {
            f.addListener(done -> connected(f));
        }
    }

    private void connected(Future<Channel> f) {
        if (over) {
            if (f.isSuccess()) {
                context.pool.release(f.getNow()); // nothing was sent on it: another request may use it
            }
        } else if (!f.isSuccess() && !x.retried) {
            retry(); // nothing was sent (the request waits in the exchange), so any method may go again
        } else if (!f.isSuccess()) {
            // A hop's owner that does not listen is draining (it gives the lease back once its instances
            // are saved) or gone (its lease lapses): another node serves the instance shortly.
            boolean timeout = f.cause() instanceof ConnectTimeoutException;
            refuse(x.hop() ? GatewayErrors.unavailable("instance_owner_unreachable",
                    "the node serving this instance is restarting or unreachable; try again shortly")
                    : GatewayErrors.response(timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                    timeout ? "backend_timeout" : "backend_unavailable", "the instance did not accept the connection"));
        } else {
            send(f.getNow());
        }
    }

    private void send(Channel to) {
        backend = to;
        response = to.pipeline().get(BackendHandler.class);
        response.attach(this, client, x, context);
        if (HttpUtil.is100ContinueExpected(x.request) && !x.requestDone) {
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        HttpRequest out = x.request;
        if (!x.rewritten) {
            ForwardedRequest.toBackend(out, x.clientAddress, peer.text(), peer.vouchesFor(x), x.upgrade);
            x.rewritten = true;
        } else {
            ClusterHop.strip(out.headers()); // sent again: only whether it goes as a hop may differ
        }
        if (x.hop()) {
            context.admission.hops().mark(out.headers(), x.keyId);
        }
        backend.write(out);
        ChannelFuture last = null;
        boolean endWritten = false;
        HttpContent part;
        while ((part = x.pending.poll()) != null) {
            endWritten |= part instanceof LastHttpContent;
            x.bytesIn += part.content().readableBytes();
            last = backend.write(part);
        }
        if (x.requestDone && !endWritten) {
            // A retry: the body-less request's end marker went to the first backend; end this one too.
            last = backend.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        backend.flush();
        if (last != null) {
            last.addListener(closeOnFailure());
        }
        // The rest of the body, or (read-ahead) the client's next request, which waits in the backlog.
        readClientIfBackendWritable();
    }

    /** A part of the request body read from the client: to the backend, or kept until connected. */
    void body(HttpContent c) {
        if (backend == null) {
            x.pend(c);
            return;
        }
        x.requestDone |= c instanceof LastHttpContent;
        x.bytesIn += c.content().readableBytes();
        backend.write(c).addListener(closeOnFailure()); // flushed at the end of this read batch
    }

    /** The client's read batch is over: flush it to the backend, and read more if it can take it. */
    void clientBatchDone(boolean readMore) {
        if (backend != null) {
            backend.flush();
            if (readMore) {
                readClientIfBackendWritable();
            }
        }
    }

    private void readClientIfBackendWritable() {
        if (backend.isWritable()) {
            client.read();
        } else {
            clientReadWanted = true;
        }
    }

    void backendWritable() {
        if (clientReadWanted && !over && backend.isWritable()) {
            clientReadWanted = false;
            client.read();
        }
    }

    void clientWritable() {
        if (response != null) {
            response.clientWritable();
        }
    }

    private ChannelFutureListener closeOnFailure() {
        return f -> {
            if (!f.isSuccess()) {
                fail();
            }
        };
    }

    // ---- what the response side reports ---------------------------------------------------------

    /** The response's end was written to the client ({@code delivered}) or failed to be. */
    void responseEnded(boolean delivered, boolean backendKeepAlive) {
        if (over) {
            return;
        }
        over = true;
        x.end(context);
        Channel b = release();
        if (delivered && backendKeepAlive && x.requestDone) {
            context.pool.release(b);
        } else {
            b.close();
        }
        frontend.forwarded(delivered && x.keepAlive && x.requestDone);
    }

    /** PocketBase switched protocols: once the client has the 101, the connections become a tunnel. */
    void upgraded(HttpResponse switching) {
        client.writeAndFlush(switching).addListener(f -> {
            if (over) {
                return;
            }
            if (!f.isSuccess()) {
                fail();
                return;
            }
            over = true;
            frontend.tunnelled();
            Tunnel.open(context, x, client, release());
        });
    }

    /** The backend connection closed (or failed) before the response ended. */
    void backendClosed() {
        if (over) {
            return;
        }
        boolean started = response.responseStarted();
        release();
        if (!started && !x.retried && x.requestDone && x.replayable()) {
            retry();
        } else if (!started) {
            refuse(GatewayErrors.response(HttpResponseStatus.BAD_GATEWAY, "backend_failed",
                    "the instance closed the connection before answering"));
        } else {
            fail(); // mid-response: the client sees the connection end
        }
    }

    void responseTimedOut() {
        if (!over && !response.responseStarted()) {
            release().close();
            refuse(GatewayErrors.response(HttpResponseStatus.GATEWAY_TIMEOUT, "backend_timeout",
                    "the instance did not answer in time"));
        }
    }

    /** A client that read nothing for the response timeout, or a write that failed: both sides close. */
    void fail() {
        if (!over) {
            frontend.closeBoth(); // which abandons this
        }
    }

    private void retry() {
        x.retried = true;
        String node = x.hopNode;
        String id = x.untarget(context);
        (node != null ? context.backends.targetAfterFailedHop(id, node) : context.backends.targetFor(id))
                .whenComplete((target, t) -> client.executor().execute(() -> {
                    if (over) {
                        if (t == null && !target.hop()) {
                            context.backends.exchangeEnded(id); // counted in by its target, never sent
                        }
                        return;
                    }
                    Outcome next = t != null ? Admission.failure(t)
                            : Admission.forwardTo(id, x.keyId, target, x.arrivedByHop);
                    if (next instanceof Outcome.Respond r) {
                        refuse(r.response()); // as if it failed on admission
                    } else {
                        x.target((Outcome.Forward) next);
                        start();
                    }
                }));
    }

    private void refuse(FullHttpResponse answer) {
        over = true;
        frontend.refuse(answer);
    }

    /** The client went away or the exchange failed: the backend connection, if any, is closed. */
    void abandon() {
        over = true;
        Channel b = release();
        if (b != null) {
            b.close();
        }
    }

    private Channel release() {
        Channel b = backend;
        if (b != null) {
            response.detach();
        }
        backend = null;
        response = null;
        clientReadWanted = false;
        return b;
    }
}
