package dev.picobase.api.http;

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
 * The control API's single producer of error bodies:
 * {@code {"error": {"code": "...", "message": "...", "field": "..."}}} ({@code field} only when one
 * input is at fault). Every error carries {@code X-Content-Type-Options: nosniff} from here, whichever
 * path writes it: a routed error, the decoder's 400/414/431 or the aggregator's 413/417 (those are
 * written without passing the router, and once went out without it).
 */
public final class ErrorResponses {
    static final String X_CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";

    private ErrorResponses() {}

    public static Map<String, Object> body(String code, String message, String field) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        if (field != null) {
            error.put("field", field);
        }
        return Map.of("error", error);
    }

    public static FullHttpResponse of(ApiException e) {
        FullHttpResponse response = of(e.status(), e.code(), e.getMessage(), e.field());
        e.headers().forEach((name, value) -> response.headers().set(name, value));
        return response;
    }

    public static FullHttpResponse of(HttpResponseStatus status, String code, String message) {
        return of(status, code, message, null);
    }

    private static FullHttpResponse of(HttpResponseStatus status, String code, String message, String field) {
        byte[] json = Json.write(body(code, message, field));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(json));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(X_CONTENT_TYPE_OPTIONS, "nosniff");
        return response;
    }
}
