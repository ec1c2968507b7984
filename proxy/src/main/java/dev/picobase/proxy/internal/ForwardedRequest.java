package dev.picobase.proxy.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ClientCookieEncoder;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * Header and URI rules for what crosses the gateway, in one place: where the API key comes from
 * (header, query parameter, or the gateway's cookie) and how it is removed, which headers are
 * hop-by-hop and never forwarded (RFC 9110 §7.6.1, plus any named in {@code Connection}), and the
 * {@code X-Forwarded-*} headers PocketBase sees. Pure functions over Netty header objects.
 */
public final class ForwardedRequest {
    public static final String KEY_HEADER = "apikey";
    public static final String KEY_PARAM = "apikey";
    public static final String KEY_COOKIE = "picobase_apikey";

    private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE, AsciiString.cached("proxy-connection"), HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);

    private static final AsciiString X_REAL_IP = AsciiString.cached("X-Real-IP");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");

    private ForwardedRequest() {}

    /** The API key a request presents: header first, then query parameter, then the gateway cookie. */
    public static String presentedKey(HttpRequest request) {
        String header = request.headers().get(KEY_HEADER);
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        List<String> param = keyParameter(request.uri());
        if (param != null && !param.isEmpty() && !param.get(0).isBlank()) {
            return param.get(0).strip();
        }
        return cookie(request.headers(), KEY_COOKIE);
    }

    public static boolean keyInQuery(HttpRequest request) {
        List<String> param = keyParameter(request.uri());
        return param != null && !param.isEmpty();
    }

    /** The values of the {@code apikey} query parameter; the URI is only decoded when it could have one. */
    private static List<String> keyParameter(String uri) {
        int query = uri.indexOf('?');
        if (query < 0 || uri.indexOf(KEY_PARAM, query) < 0) {
            return null;
        }
        return new QueryStringDecoder(uri).parameters().get(KEY_PARAM);
    }

    static String cookie(HttpHeaders headers, String name) {
        for (String raw : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(raw)) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    /** True for a WebSocket upgrade request, the one upgrade the gateway relays. */
    public static boolean isWebSocketUpgrade(HttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && request.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /** True for a CORS preflight, which browsers send without custom headers (so without a key). */
    public static boolean isCorsPreflight(HttpRequest request) {
        return request.method().name().equals("OPTIONS")
                && request.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)
                && request.headers().contains(HttpHeaderNames.ORIGIN);
    }

    /**
     * Headers through which a client could tell PocketBase another address than its own: PocketBase
     * 0.22 takes the user's IP from the first of {@code CF-Connecting-IP}, {@code Fly-Client-IP},
     * {@code X-Real-IP} and {@code X-Forwarded-For} it finds. None of them is forwarded as the client
     * sent it; the gateway sets {@code X-Real-IP} and {@code X-Forwarded-For} itself.
     */
    private static final List<AsciiString> CLIENT_ADDRESS_CLAIMS = List.of(AsciiString.cached("cf-connecting-ip"),
            AsciiString.cached("fly-client-ip"), AsciiString.cached("true-client-ip"), AsciiString.cached("x-client-ip"),
            AsciiString.cached("x-real-ip"), AsciiString.cached("forwarded"));

    /**
     * Makes {@code in} the request to send to PocketBase, in place (the decoded request is the gateway's
     * own; copying its headers was a large share of the per-request allocation), and returns it: same
     * method, URI without {@code apikey}, HTTP/1.1, end-to-end headers only (no key header or cookie),
     * and a framing of our own choice. {@code X-Real-IP} is the client; {@code X-Forwarded-For} is the
     * client too, or when the peer is a trusted proxy its chain with the peer appended;
     * {@code X-Forwarded-Proto} and {@code -Host} are ours unless a trusted proxy set them. A
     * {@code Referer} loses its {@code apikey} parameter. The cluster hop headers are removed
     * ({@link dev.picobase.proxy.ClusterHop}). Not to be applied twice: a request sent again is sent as
     * it was rewritten the first time.
     */
    public static HttpRequest toBackend(HttpRequest in, String clientAddress, String peerAddress, boolean peerTrusted,
                                        boolean upgrade) {
        HttpHeaders headers = in.headers();
        // What the client sent, read before the headers are edited.
        String upgradeTo = upgrade ? headers.get(HttpHeaderNames.UPGRADE) : null;
        boolean chunked = !upgrade && HttpUtil.isTransferEncodingChunked(in);
        String priorFor = peerTrusted ? String.join(", ", headers.getAll("X-Forwarded-For")) : "";
        String host = headers.get(HttpHeaderNames.HOST);
        removeHopByHop(headers);
        headers.remove(KEY_HEADER);
        stripCookie(headers, KEY_COOKIE);
        headers.remove(HttpHeaderNames.EXPECT);
        // Whoever sent them (a client, or the node that forwarded this request): the node forwarding
        // next marks its own hop again; PocketBase never sees the cluster secret.
        dev.picobase.proxy.ClusterHop.strip(headers);
        for (AsciiString claim : CLIENT_ADDRESS_CLAIMS) {
            headers.remove(claim);
        }
        headers.set(X_REAL_IP, clientAddress);
        headers.set(X_FORWARDED_FOR, priorFor.isBlank() ? peerAddress : priorFor + ", " + peerAddress);
        if (!peerTrusted || !headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, "http");
        }
        if (host != null && (!peerTrusted || !headers.contains(X_FORWARDED_HOST))) {
            headers.set(X_FORWARDED_HOST, host);
        }
        String referer = headers.get(HttpHeaderNames.REFERER);
        if (referer != null) {
            // A page opened with ?apikey= sends its own address, key included, as the Referer of every
            // request it makes; PocketBase would write it to its logs database (and so to snapshots).
            headers.set(HttpHeaderNames.REFERER, withoutKeyParameter(referer));
        }
        if (upgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
        } else if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        in.setUri(withoutKeyParameter(in.uri()));
        in.setProtocolVersion(HttpVersion.HTTP_1_1);
        return in;
    }

    /**
     * True for a request that opens a long-lived stream, which holds a connection (and PocketBase
     * memory) for as long as the client likes: a WebSocket upgrade, PocketBase's realtime endpoint, or
     * any GET asking for {@code text/event-stream} (what {@code EventSource} sends).
     */
    public static boolean opensStream(HttpRequest request) {
        if (isWebSocketUpgrade(request)) {
            return true;
        }
        if (!request.method().equals(io.netty.handler.codec.http.HttpMethod.GET)) {
            return false;
        }
        String uri = request.uri();
        if (uri.startsWith("/api/realtime") && (uri.length() == 13 || uri.charAt(13) == '?' || uri.charAt(13) == '/')) {
            return true;
        }
        String accept = request.headers().get(HttpHeaderNames.ACCEPT);
        return accept != null && accept.contains("text/event-stream");
    }

    /** Removes hop-by-hop headers, including every header the {@code Connection} header names. */
    public static void removeHopByHop(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : connection.split(",")) {
                    String name = token.strip();
                    if (!name.isEmpty()) {
                        headers.remove(name);
                    }
                }
            }
        }
        // Per name rather than per header: a hash lookup each (names match case-insensitively), and
        // no String made of every header name on each request and response.
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
    }

    /**
     * {@code uriOrUrl} (a request target or an absolute URL such as a {@code Referer}) without any
     * {@code apikey} query parameter, however its name is cased or percent-encoded; everything else
     * is kept byte for byte. Parameters are split at {@code &} and at {@code ;}, as Netty's
     * {@link QueryStringDecoder} (which finds the key) splits them: a key the gateway accepted from
     * {@code ?x=1;apikey=...} once reached PocketBase's logs because only {@code &} was looked at here.
     */
    public static String withoutKeyParameter(String uriOrUrl) {
        int query = uriOrUrl.indexOf('?');
        if (query < 0) {
            return uriOrUrl;
        }
        int fragment = uriOrUrl.indexOf('#', query);
        int end = fragment < 0 ? uriOrUrl.length() : fragment;
        StringBuilder kept = new StringBuilder();
        boolean removed = false;
        int start = query + 1;
        char separator = 0;
        for (int i = start; i <= end; i++) {
            char c = i < end ? uriOrUrl.charAt(i) : '&';
            if (c != '&' && c != ';') {
                continue;
            }
            String pair = uriOrUrl.substring(start, i);
            int eq = pair.indexOf('=');
            if (isKeyParameterName(eq < 0 ? pair : pair.substring(0, eq))) {
                removed = true;
            } else if (!pair.isEmpty()) {
                if (kept.length() > 0) {
                    kept.append(separator);
                }
                kept.append(pair);
            }
            separator = c;
            start = i + 1;
        }
        if (!removed) {
            return uriOrUrl;
        }
        return uriOrUrl.substring(0, query) + (kept.length() == 0 ? "" : "?" + kept) + uriOrUrl.substring(end);
    }

    private static boolean isKeyParameterName(String raw) {
        if (raw.length() < KEY_PARAM.length()) {
            return false;
        }
        try {
            return QueryStringDecoder.decodeComponent(raw).strip().equalsIgnoreCase(KEY_PARAM);
        } catch (IllegalArgumentException badEncoding) {
            return false;
        }
    }

    private static void stripCookie(HttpHeaders headers, String name) {
        if (cookie(headers, name) == null) {
            return; // leave the client's cookies byte-for-byte as they were
        }
        List<String> raw = headers.getAll(HttpHeaderNames.COOKIE);
        List<Cookie> kept = new ArrayList<>();
        for (String value : raw) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(value)) {
                if (!c.name().equals(name)) {
                    kept.add(c);
                }
            }
        }
        headers.remove(HttpHeaderNames.COOKIE);
        if (!kept.isEmpty()) {
            headers.set(HttpHeaderNames.COOKIE, ClientCookieEncoder.LAX.encode(kept));
        }
    }
}
