package dev.picobase.proxy.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import java.util.List;

/**
 * Request-smuggling and framing rules the gateway enforces on top of Netty's decoder (which already
 * refuses {@code Content-Length} together with {@code Transfer-Encoding}, and conflicting lengths):
 * one {@code Host}, and {@code Transfer-Encoding} only as plain {@code chunked}, so the gateway and
 * PocketBase can never disagree on where a request ends.
 */
final class RequestRules {
    private RequestRules() {}

    /** What is wrong with the request's framing, or null when nothing is. */
    static String problem(HttpRequest r) {
        if (r.protocolVersion().majorVersion() != 1 || r.protocolVersion().minorVersion() > 1) {
            return "unsupported HTTP version " + r.protocolVersion().text();
        }
        if (r.headers().getAll(HttpHeaderNames.HOST).size() > 1) {
            return "more than one Host header";
        }
        List<String> te = r.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty() && (te.size() > 1 || !te.get(0).strip().equalsIgnoreCase("chunked"))) {
            return "unsupported Transfer-Encoding: " + String.join(", ", te);
        }
        if (r.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && HttpUtil.getContentLength(r, -1L) < 0) {
            return "invalid Content-Length";
        }
        return null;
    }

    /** True when a body follows the head (a positive length, or chunked). */
    static boolean declaresBody(HttpRequest r) {
        return HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0;
    }
}
