package dev.picobase.proxy.internal;

import dev.picobase.proxy.RateLimits;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One request and its response through the gateway, from its head arriving to its end: what the
 * client asked, who the client is, where admission sent it, and what it cost. Created by {@link
 * FrontendHandler} for each request that passes {@link RequestRules}, counted in flight from then, and
 * {@linkplain #end ended} exactly once — answered, forwarded and relayed back, tunnelled until closed,
 * or cut short — which reports it to the metrics and to its instance's idle tracking and usage.
 *
 * <p>Threading: used only on its client channel's event loop.
 */
final class Exchange {
    final HttpRequest request;
    final String clientAddress;
    /** It arrived from another node as a valid hop (its key was checked there). */
    final boolean arrivedByHop;
    final boolean upgrade;
    final boolean bodyDeclared;
    final long beganNanos;
    /** The client keeps its connection after this exchange (false: answered with Connection: close). */
    boolean keepAlive;
    /** The request's end marker has been read from the client. */
    boolean requestDone;
    /** Body parts read before the exchange was forwarded. */
    final ArrayDeque<HttpContent> pending = new ArrayDeque<>(2); // mostly just the end marker

    // Where it goes, once admitted (again after a retry).
    String instanceId;
    /** Whether {@code instanceId}'s target counted this exchange in (a hop target does not). */
    boolean counted;
    /** The node a hop target goes to (null when the instance runs here). */
    String hopNode;
    String keyId;
    InetSocketAddress backendAddress;
    /** Added to the response as Server-Timing: set when the instance was woken for this exchange. */
    String serverTiming;
    /** The count against its instance's rate limit (null: no limit), whose headers go on the response. */
    RateLimits.Taken rateLimit;
    /** Its stream slot, when it opens a long-lived stream. */
    OpenStreams.Slot stream;
    boolean retried;
    /** The request was rewritten for its target ({@link ForwardedRequest#toBackend}): a retry sends it as it is. */
    boolean rewritten;
    /** As the client sent it (the request is rewritten to HTTP/1.1 for its target). */
    private final boolean http10;

    /** The status the client was sent (0: none yet), and the body bytes sent to the target and back. */
    int responseStatus;
    long bytesIn;
    long bytesOut;
    private boolean ended;

    /** A request that passed {@link RequestRules}: counted in flight (and by the drain) until {@link #end}. */
    static Exchange begin(ProxyContext context, HttpRequest request, String clientAddress, boolean arrivedByHop,
                          long beganNanos) {
        context.drain.requestBegan();
        context.inFlight.incrementAndGet();
        return new Exchange(request, clientAddress, arrivedByHop, beganNanos, context.drain.draining());
    }

    private Exchange(HttpRequest request, String clientAddress, boolean arrivedByHop, long beganNanos,
                     boolean draining) {
        this.request = request;
        this.clientAddress = clientAddress;
        this.arrivedByHop = arrivedByHop;
        this.beganNanos = beganNanos;
        this.keepAlive = HttpUtil.isKeepAlive(request) && !draining;
        this.upgrade = ForwardedRequest.isWebSocketUpgrade(request);
        this.requestDone = request instanceof LastHttpContent;
        this.bodyDeclared = RequestRules.declaresBody(request);
        this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    }

    /** Where admission (or a retry) sent it; the target has counted it in unless it is a hop. */
    void target(Outcome.Forward f) {
        instanceId = f.instanceId();
        counted = f.hopTo() == null;
        hopNode = f.hopTo();
        keyId = f.keyId();
        backendAddress = f.backend();
        if (f.serverTiming() != null) {
            serverTiming = f.serverTiming();
        }
        if (f.rateLimit() != null) {
            rateLimit = f.rateLimit();
        }
    }

    /** A body part read before the exchange could be sent: kept until it is. */
    void pend(HttpContent c) {
        pending.add(c);
        requestDone |= c instanceof LastHttpContent;
    }

    /**
     * For a request that opens a long-lived stream (SSE, WebSocket), takes its slot; returns the 429 to
     * answer instead when a cap is reached, else null.
     */
    FullHttpResponse openStream(OpenStreams streams, Channel client) {
        if (!ForwardedRequest.opensStream(request)) {
            return null;
        }
        stream = streams.open(instanceId, clientAddress, keyId, client);
        return stream.refusal();
    }

    boolean hop() {
        return hopNode != null;
    }

    boolean http10() {
        return http10;
    }

    /** Requests that can be sent again safely: no body was consumed and they change nothing. */
    boolean replayable() {
        HttpMethod m = request.method();
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS);
    }

    /**
     * Takes it out of its current target's count before it is sent again elsewhere; returns the
     * instance. A stop that is draining must not wait for a request its old process cannot serve.
     */
    String untarget(ProxyContext context) {
        String id = instanceId;
        if (counted) {
            context.backends.exchangeEnded(id);
        }
        instanceId = null;
        counted = false;
        return id;
    }

    /** Ends it (once): in flight no more, reported to the metrics and its instance, its stream slot back. */
    void end(ProxyContext context) {
        if (ended) {
            return;
        }
        ended = true;
        context.inFlight.decrementAndGet();
        long took = System.nanoTime() - beganNanos;
        // Backends gives a Server-Timing value exactly when the instance was cold-started for us.
        context.metrics.requestCompleted(responseStatus, took, serverTiming != null);
        if (hop()) {
            context.metrics.forwardedCompleted(took);
        }
        if (instanceId != null && counted) {
            context.backends.exchangeEnded(instanceId, bytesIn, bytesOut);
        }
        instanceId = null;
        if (stream != null) {
            stream.close();
            stream = null;
        }
        releasePending();
    }

    void releasePending() {
        HttpContent c;
        while ((c = pending.poll()) != null) {
            c.release();
        }
    }
}
