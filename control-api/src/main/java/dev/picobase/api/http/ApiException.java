package dev.picobase.api.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/**
 * A failure with a status, a stable machine-readable code and a message meant for the person who
 * sent the request; {@code field} names the input at fault, so a form can show the message next to
 * it. Thrown by route handlers and turned into the JSON error shape in one place.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient HttpResponseStatus status;
    private final String code;
    private final String field;
    private final transient Map<String, String> headers;

    public ApiException(HttpResponseStatus status, String code, String message, String field,
                        Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
        this.headers = Map.copyOf(headers);
    }

    public static ApiException invalid(String field, String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, "invalid_input", message, field, Map.of());
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(HttpResponseStatus.BAD_REQUEST, code, message, null, Map.of());
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(HttpResponseStatus.UNAUTHORIZED, "unauthorized", message, null, Map.of());
    }

    public static ApiException forbidden(String code, String message) {
        return new ApiException(HttpResponseStatus.FORBIDDEN, code, message, null, Map.of());
    }

    public static ApiException notFound(String message) {
        return new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", message, null, Map.of());
    }

    public static ApiException conflict(String code, String field, String message) {
        return new ApiException(HttpResponseStatus.CONFLICT, code, message, field, Map.of());
    }

    public static ApiException rateLimited(String message, long retryAfterSeconds) {
        return new ApiException(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited", message, null,
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
