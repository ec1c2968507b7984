package dev.picobase.api.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A control-API request, detached from Netty's reference-counted buffers (the body is copied) so a
 * handler can run on a blocking executor after the event loop has released the original.
 */
public record ApiRequest(
        HttpMethod method,
        String path,
        Map<String, List<String>> query,
        HttpHeaders headers,
        byte[] body,
        String clientAddress,
        Map<String, String> pathParams) {

    public static ApiRequest of(HttpMethod method, String uri, HttpHeaders headers, byte[] body, String client) {
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        return new ApiRequest(method, decoder.path(), decoder.parameters(), headers, body, client, Map.of());
    }

    public ApiRequest withPathParams(Map<String, String> params) {
        return new ApiRequest(method, path, query, headers, body, clientAddress, Map.copyOf(params));
    }

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    public Optional<String> header(CharSequence name) {
        return Optional.ofNullable(headers.get(name));
    }

    public Optional<String> cookie(String name) {
        String raw = headers.get(io.netty.handler.codec.http.HttpHeaderNames.COOKIE);
        if (raw == null) {
            return Optional.empty();
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(raw)) {
            if (c.name().equals(name)) {
                return Optional.of(c.value());
            }
        }
        return Optional.empty();
    }
}
