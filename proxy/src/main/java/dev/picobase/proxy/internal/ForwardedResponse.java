package dev.picobase.proxy.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * The response head a client gets from PocketBase (or from the node that runs its instance), the
 * mirror of {@link ForwardedRequest}: hop-by-hop headers removed, framed by the gateway (chunked when
 * PocketBase gave no length and a body may follow), {@code Connection} as this client connection goes
 * on, and the exchange's own headers — {@code Server-Timing} for a request that woke the instance, the
 * {@code RateLimit-*} fields for an instance with a limit.
 */
final class ForwardedResponse {
    private ForwardedResponse() {}

    /**
     * Rewrites {@code response} for {@code x}'s client in place; returns whether PocketBase keeps its
     * connection (then it may go back to the pool once the response has ended).
     */
    static boolean toClient(HttpResponse response, Exchange x, boolean draining) {
        x.keepAlive &= !draining; // a request begun before the drain: its connection closes too
        HttpHeaders headers = response.headers();
        boolean backendKeepAlive = HttpUtil.isKeepAlive(response);
        boolean hadLength = HttpUtil.isContentLengthSet(response);
        ForwardedRequest.removeHopByHop(headers);
        if (!hadLength && mayHaveBody(response, x)) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (!x.keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (x.http10()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (x.serverTiming != null) {
            headers.add("Server-Timing", x.serverTiming);
        }
        if (x.rateLimit != null) {
            x.rateLimit.addHeaders(headers);
        }
        return backendKeepAlive;
    }

    /** A {@code 101 Switching Protocols} for a WebSocket upgrade: only the upgrade's own hop-by-hop headers. */
    static void toUpgradedClient(HttpResponse response) {
        ForwardedRequest.removeHopByHop(response.headers());
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }

    private static boolean mayHaveBody(HttpResponse response, Exchange x) {
        int code = response.status().code();
        return !x.request.method().equals(HttpMethod.HEAD) && code >= 200 && code != 204 && code != 304;
    }
}
