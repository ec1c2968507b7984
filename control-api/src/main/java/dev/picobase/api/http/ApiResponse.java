package dev.picobase.api.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a route handler returns: a status, a body for Jackson (or none, or a {@link Download} streamed
 * as it is), and extra headers.
 */
public record ApiResponse(HttpResponseStatus status, Object body, List<Map.Entry<String, String>> headers) {

    /**
     * A body that is not JSON and not held in memory: {@code length} bytes of {@code content} (a backup's
     * zip, opened from the object store), sent as an attachment named {@code filename}. Whoever writes
     * the response closes {@code content}, whether or not the whole of it was sent.
     */
    public record Download(InputStream content, long length, String contentType, String filename) {}

    public static ApiResponse ok(Object body) {
        return new ApiResponse(HttpResponseStatus.OK, body, List.of());
    }

    public static ApiResponse created(Object body) {
        return new ApiResponse(HttpResponseStatus.CREATED, body, List.of());
    }

    public static ApiResponse noContent() {
        return new ApiResponse(HttpResponseStatus.NO_CONTENT, null, List.of());
    }

    /** A 200 whose body is {@code download}'s content, streamed. */
    public static ApiResponse download(Download download) {
        return new ApiResponse(HttpResponseStatus.OK, download, List.of());
    }

    /** The same response with one more header (headers may repeat, as {@code Set-Cookie} does). */
    public ApiResponse withHeader(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new ApiResponse(status, body, List.copyOf(more));
    }
}
