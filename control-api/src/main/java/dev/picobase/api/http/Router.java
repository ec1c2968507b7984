package dev.picobase.api.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps {@code METHOD /path/:param} to handlers; a last segment {@code *name} takes the rest of the
 * path (a file path, with its slashes). A path that matches no route is a 404; a path that
 * matches with another method is a 405 with {@code Allow}. Immutable once built; safe to share.
 */
public final class Router {
    @FunctionalInterface
    public interface Handler {
        ApiResponse handle(ApiRequest request);
    }

    private record Route(HttpMethod method, String[] segments, Handler handler) {}

    private final List<Route> routes = new ArrayList<>();

    public Router add(HttpMethod method, String pattern, Handler handler) {
        routes.add(new Route(method, split(pattern), handler));
        return this;
    }

    public ApiResponse dispatch(ApiRequest request) {
        String[] path = split(request.path());
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Map<String, String> params = match(route.segments(), path);
            if (params == null) {
                continue;
            }
            if (route.method().equals(request.method())) {
                return route.handler().handle(request.withPathParams(params));
            }
            allowed.add(route.method().name());
        }
        if (allowed.isEmpty()) {
            throw ApiException.notFound("no such endpoint: " + request.method() + " " + request.path());
        }
        throw new ApiException(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                request.method() + " is not allowed here", null, Map.of("Allow", String.join(", ", allowed)));
    }

    private static Map<String, String> match(String[] pattern, String[] path) {
        boolean rest = pattern.length > 0 && pattern[pattern.length - 1].startsWith("*");
        if (rest ? path.length < pattern.length : pattern.length != path.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            if (rest && i == pattern.length - 1) {
                // A last segment *name takes the rest of the path, slashes and all (a file path).
                params.put(pattern[i].substring(1), String.join("/", java.util.Arrays.copyOfRange(path, i, path.length)));
                break;
            }
            if (pattern[i].startsWith(":")) {
                if (path[i].isEmpty()) {
                    return null;
                }
                params.put(pattern[i].substring(1), path[i]);
            } else if (!pattern[i].equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    private static String[] split(String path) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    }
}
