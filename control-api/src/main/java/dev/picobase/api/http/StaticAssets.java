package dev.picobase.api.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admin UI's files, read from the classpath ({@code admin-ui/} in the admin-ui module's jar)
 * once and then served from memory. Threading: {@link #serve} may block on that first read; it is
 * called from the API's blocking executor.
 * Every page carries a strict Content-Security-Policy: scripts and styles only from this origin,
 * no inline code. Paths without a file extension get {@code index.html} (client-side routes).
 */
public final class StaticAssets {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "png", "image/png",
            "ico", "image/x-icon", "json", "application/json", "webmanifest", "application/manifest+json",
            "txt", "text/plain; charset=utf-8");

    private final String root;
    private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

    public StaticAssets(String classpathRoot) {
        this.root = classpathRoot;
    }

    public FullHttpResponse serve(ApiRequest request) {
        if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
            FullHttpResponse r = ErrorResponses.of(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    request.method() + " is not allowed here");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return r;
        }
        String path = request.path();
        if (path.contains("..") || path.contains("\\") || path.contains("//")) {
            return ErrorResponses.of(HttpResponseStatus.NOT_FOUND, "not_found", "no such file");
        }
        String file = path.equals("/") || !lastSegment(path).contains(".") ? "index.html" : path.substring(1);
        Optional<byte[]> content = cache.computeIfAbsent(file, this::load);
        if (content.isEmpty()) {
            return ErrorResponses.of(HttpResponseStatus.NOT_FOUND, "not_found", "no such file: " + path);
        }
        byte[] bytes = content.get();
        boolean head = request.method().equals(HttpMethod.HEAD);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        String extension = file.substring(file.lastIndexOf('.') + 1);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TYPES.getOrDefault(extension, "application/octet-stream"))
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set("Content-Security-Policy", CSP)
                .set("Referrer-Policy", "no-referrer")
                .set("X-Frame-Options", "DENY");
        return response;
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private Optional<byte[]> load(String file) {
        try (InputStream in = StaticAssets.class.getClassLoader().getResourceAsStream(root + "/" + file)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
