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
}
