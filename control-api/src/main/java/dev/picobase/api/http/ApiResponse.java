package dev.picobase.api.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a route handler returns: a status, a body for Jackson (or none), and extra headers. */
public record ApiResponse(HttpResponseStatus status, Object body, List<Map.Entry<String, String>> headers) {

    public static ApiResponse ok(Object body) {
        return new ApiResponse(HttpResponseStatus.OK, body, List.of());
    }

    public static ApiResponse created(Object body) {
        return new ApiResponse(HttpResponseStatus.CREATED, body, List.of());
    }

    public static ApiResponse noContent() {
        return new ApiResponse(HttpResponseStatus.NO_CONTENT, null, List.of());
    }

    /** The same response with one more header (headers may repeat, as {@code Set-Cookie} does). */
    public ApiResponse withHeader(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new ApiResponse(status, body, List.copyOf(more));
    }
}
