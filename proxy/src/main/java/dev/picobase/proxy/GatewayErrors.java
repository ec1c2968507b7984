package dev.picobase.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's single producer of error responses, in the same shape as the control API's:
 * {@code {"error": {"code": "...", "message": "..."}}}, with PocketBase's own fields beside it
 * ({@code "code": <status>, "message": "...", "data": {}}) so that the PocketBase SDKs, which read
 * those, show a tenant's app our message rather than "Something went wrong". The gateway answers
 * these itself; PocketBase's own errors pass through untouched. Every answer carries
 * {@code X-Content-Type-Options: nosniff}, so no browser reads one as anything but JSON.
 */
public final class GatewayErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GatewayErrors() {}

    public static FullHttpResponse response(HttpResponseStatus status, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("code", status.code());
        body.put("message", message);
        body.put("data", Map.of());
        try {
            return json(status, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 503 with {@code Retry-After}: the client may try again shortly. */
    public static FullHttpResponse busy(String message) {
        return unavailable("busy", message);
    }

    /** 503 {@code code} with {@code Retry-After: 1}: a passing condition; the client may try again shortly. */
    public static FullHttpResponse unavailable(String code, String message) {
        FullHttpResponse r = response(HttpResponseStatus.SERVICE_UNAVAILABLE, code, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return r;
    }

    /** 429 with {@code Retry-After}: this client (or tenant) is over one of its limits. */
    public static FullHttpResponse tooManyRequests(String code, String message, long retryAfterSeconds) {
        FullHttpResponse r = response(HttpResponseStatus.TOO_MANY_REQUESTS, code, message);
        r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        return r;
    }

    /** A JSON document that is not an error (the gateway's health answer). */
    public static FullHttpResponse json(HttpResponseStatus status, String json) {
        return json(status, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        return r;
    }

    /**
     * The status for a request Netty's decoder could not parse: 414 for an over-long request line,
     * 431 for over-large headers, 413 for an over-large body, 400 for anything else. Used by both the
     * gateway and the control API.
     */
    public static HttpResponseStatus statusForDecoderFailure(Throwable cause) {
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    public static FullHttpResponse unauthorized(String message) {
        return response(HttpResponseStatus.UNAUTHORIZED, "unauthorized", message);
    }

    /**
     * The 401 a browser gets when it opens a page of an instance (PocketBase's admin UI at {@code /_/})
     * without a key or with one that is not valid for it: a short page saying how to open the admin with
     * a key, instead of the JSON an API client gets. It has no script, nothing from elsewhere and no
     * dynamic text; its Content-Security-Policy allows only its own style sheet, by hash.
     *
     * @param keyRefused a key was sent and is not valid for this instance (else none was sent)
     */
    public static FullHttpResponse keyNeededPage(boolean keyRefused) {
        byte[] body = (keyRefused ? KeyNeededPage.REFUSED : KeyNeededPage.MISSING).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED,
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff")
                .set("Content-Security-Policy", KeyNeededPage.CSP)
                .set("Referrer-Policy", "no-referrer")
                .set("X-Frame-Options", "DENY");
        return r;
    }

    /** The two variants of {@link #keyNeededPage}, built once. */
    private static final class KeyNeededPage {
        private static final String STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:12vh auto;"
                + "padding:0 1.25rem;color:#17171c;background:#f6f6f8}h1{font-size:1.4rem;margin:0 0 .75rem}"
                + "code{font:.9em ui-monospace,monospace;background:#ececf1;padding:.1em .3em;border-radius:4px}"
                + "@media (prefers-color-scheme:dark){body{color:#ececf1;background:#0e0e12}code{background:#22222b}}";
        static final String CSP = "default-src 'none'; style-src 'sha256-" + sha256Base64(STYLE) + "'; "
                + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        static final String MISSING = page("An API key is needed",
                "<p>This is a PocketBase instance hosted by PicoBase. Opening it in a browser, its admin UI "
                        + "included, needs one of the instance's API keys.</p>");
        static final String REFUSED = page("This API key is not valid here",
                "<p>The key this browser sent is not valid for this instance: it may have been revoked, or it "
                        + "belongs to another instance.</p>");

        private static String page(String title, String why) {
            return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    + "<meta name=\"color-scheme\" content=\"light dark\"><title>" + title + "</title>"
                    + "<style>" + STYLE + "</style></head><body><main><h1>" + title + "</h1>" + why
                    + "<p>To open PocketBase's admin UI, go to the PicoBase dashboard, open the instance and create "
                    + "a key: the dialog that shows the new key has a button, <strong>Open PocketBase admin with "
                    + "this key</strong>, that opens it here. You can also add <code>?apikey=</code> and a key to "
                    + "this page's address.</p>"
                    + "<p>Apps and scripts send the key in the <code>apikey</code> header.</p></main></body></html>\n";
        }

        private static String sha256Base64(String text) {
            try {
                return java.util.Base64.getEncoder().encodeToString(
                        java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
