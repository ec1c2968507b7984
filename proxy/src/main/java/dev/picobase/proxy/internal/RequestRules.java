package dev.picobase.proxy.internal;

import dev.picobase.proxy.ClusterHop;
import dev.picobase.proxy.GatewayErrors;
import dev.picobase.proxy.routing.HostNames;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.util.List;

/**
 * Request-smuggling and framing rules the gateway enforces on top of Netty's decoder (which already
 * refuses {@code Content-Length} together with {@code Transfer-Encoding}, and conflicting lengths):
 * one {@code Host}, and {@code Transfer-Encoding} only as plain {@code chunked}, so the gateway and
 * PocketBase can never disagree on where a request ends. The same goes for where it is going: an
 * absolute-form target ({@code GET http://other.example/ HTTP/1.1}) must name the host its
 * {@code Host} header names (RFC 9112 §3.2.2 makes the target's host win; the gateway routes by
 * {@code Host}, so it refuses the two disagreeing rather than route by one and forward the other),
 * and is forwarded in origin-form.
 *
 * <p>{@link #check} is every test a request head must pass before anything is done for it, in one place:
 * what Netty could not decode, these framing rules, {@code Expect} other than {@code 100-continue}, and
 * a cluster hop header this node cannot verify (a client posing as a node, or a node with another
 * secret). A request refused here is answered and its connection closed: its body is not read.
 */
final class RequestRules {
    private RequestRules() {}

    /**
     * The answer for a request head the gateway will not take, or null when it may go on to admission;
     * then an absolute-form target has been rewritten to origin-form ({@link #toOriginForm}).
     */
    static FullHttpResponse check(HttpRequest r, ClusterHop.Verdict hop) {
        DecoderResult decoded = r.decoderResult();
        if (decoded.isFailure()) {
            return GatewayErrors.response(GatewayErrors.statusForDecoderFailure(decoded.cause()), "malformed_request",
                    "the request is not valid HTTP: " + decoded.cause().getMessage());
        }
        String problem = problem(r);
        if (problem != null) {
            return GatewayErrors.response(HttpResponseStatus.BAD_REQUEST, "malformed_request", problem);
        }
        if (r.headers().contains(HttpHeaderNames.EXPECT) && !HttpUtil.is100ContinueExpected(r)) {
            return GatewayErrors.response(HttpResponseStatus.EXPECTATION_FAILED, "expectation_failed",
                    "only Expect: 100-continue is supported");
        }
        if (hop == ClusterHop.Verdict.REFUSED) {
            return GatewayErrors.response(HttpResponseStatus.FORBIDDEN, "cluster_hop_refused",
                    "the " + ClusterHop.HEADER + " header is for nodes of this cluster only");
        }
        toOriginForm(r);
        return null;
    }

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
        return targetProblem(r);
    }

    private static String targetProblem(HttpRequest r) {
        String uri = r.uri();
        if (uri.startsWith("/") || (uri.equals("*") && r.method().equals(HttpMethod.OPTIONS))) {
            return null;
        }
        if (!isAbsoluteForm(uri)) {
            return "unsupported request target (expected a path such as /api/health)";
        }
        String authority = authority(uri);
        String host = r.headers().get(HttpHeaderNames.HOST);
        if (authority.isEmpty() || authority.contains("@")) {
            return "the request target has no usable host";
        }
        if (host != null && !HostNames.hostOnly(host).equals(HostNames.hostOnly(authority))) {
            return "the request target's host (" + HostNames.hostOnly(authority) + ") differs from the Host header";
        }
        return null;
    }

    /**
     * Rewrites an absolute-form target to origin-form, and {@code Host} to the target's authority
     * (which {@link #problem} already checked names the same host). Origin-form requests are left as
     * they are.
     */
    static void toOriginForm(HttpRequest r) {
        String uri = r.uri();
        if (!isAbsoluteForm(uri)) {
            return;
        }
        int start = uri.indexOf("://") + 3;
        int pathStart = indexOfAny(uri, start);
        String rest = pathStart < 0 ? "" : uri.substring(pathStart);
        r.headers().set(HttpHeaderNames.HOST, uri.substring(start, pathStart < 0 ? uri.length() : pathStart));
        r.setUri(rest.isEmpty() ? "/" : rest.startsWith("/") ? rest : "/" + rest);
    }

    private static boolean isAbsoluteForm(String uri) {
        return uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8);
    }

    private static String authority(String uri) {
        int start = uri.indexOf("://") + 3;
        int end = indexOfAny(uri, start);
        return uri.substring(start, end < 0 ? uri.length() : end);
    }

    /** The first '/', '?' or '#' at or after {@code from}, or -1. */
    private static int indexOfAny(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** True when a body follows the head (a positive length, or chunked). */
    static boolean declaresBody(HttpRequest r) {
        return HttpUtil.isTransferEncodingChunked(r) || HttpUtil.getContentLength(r, 0L) > 0;
    }
}
