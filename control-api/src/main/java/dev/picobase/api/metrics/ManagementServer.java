package dev.picobase.api.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.picobase.core.io.DaemonThreads;
import dev.picobase.core.store.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' port: {@code GET /metrics} (Prometheus text format), {@code GET /health}, and the
 * JSON routes the platform adds ({@code /cluster}, {@code /status}, {@code /instances},
 * {@code /logs/<subdomain>}: what {@code ./picobase status}, {@code instances} and {@code logs} read),
 * on the management address (loopback unless configured otherwise), never on the tenant or API
 * port. The JDK's own HTTP server is enough here: a scrape every few seconds from one Prometheus
 * and an operator's command now and then need no event loop, and this keeps operator traffic off
 * the gateway's threads entirely.
 *
 * <p>A route may be loopback-only: an operator who opens the port to a Prometheus on another host
 * (PICOBASE_MANAGEMENT_BIND_ADDRESS) exposes the metrics and the counts, not every owner's email
 * or every tenant's log; other clients get 403 there.
 *
 * <p>Threading: requests are served one at a time on a single daemon thread; a route may block (a
 * database read on this port's own thread).
 */
public final class ManagementServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json";

    private final HttpServer server;
    private final ExecutorService thread;

    /** A route's JSON answer: its status code and body. */
    public record JsonReply(int status, String body) {
        public static JsonReply ok(String body) {
            return new JsonReply(200, body);
        }

        /** {@code {"error":"<code>","message":"..."}}, the management port's one error shape. */
        public static JsonReply error(int status, String code, String message) {
            Map<String, String> error = new java.util.LinkedHashMap<>();
            error.put("error", code);
            if (message != null) {
                error.put("message", message);
            }
            return new JsonReply(status, new String(dev.picobase.api.http.Json.write(error),
                    java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code GET path} answered by {@code answer} (given the request URI); a path ending in {@code /}
     * answers everything under it. {@code loopbackOnly}: refused (403) to clients not on this machine.
     */
    public record Route(String path, boolean loopbackOnly, Function<URI, JsonReply> answer) {
        boolean matches(String requested) {
            return path.endsWith("/") ? requested.startsWith(path) && requested.length() > path.length()
                    : requested.equals(path);
        }
    }

    private ManagementServer(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    public static ManagementServer start(String bindAddress, int port, PlatformMetrics metrics) {
        return start(bindAddress, port, metrics, List.of());
    }

    /** {@code cluster} answers {@code GET /cluster}; it may block (a database read on this port's own thread). */
    public static ManagementServer start(String bindAddress, int port, PlatformMetrics metrics, Supplier<String> cluster) {
        return start(bindAddress, port, metrics, List.of(new Route("/cluster", false, uri -> JsonReply.ok(cluster.get()))));
    }

    public static ManagementServer start(String bindAddress, int port, PlatformMetrics metrics, List<Route> routes) {
        List<Route> table = List.copyOf(routes);
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
            server.createContext("/", exchange -> {
                try (exchange) {
                    String path = exchange.getRequestURI().getPath();
                    if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                        send(exchange, 405, JSON, "{\"error\":\"method_not_allowed\"}");
                    } else if (path.equals("/metrics")) {
                        send(exchange, 200, PROMETHEUS_TEXT, metrics.scrape());
                    } else if (path.equals("/health")) {
                        send(exchange, 200, JSON, "{\"status\":\"ok\"}");
                    } else {
                        JsonReply reply = table.stream().filter(r -> r.matches(path)).findFirst()
                                .map(r -> answer(r, exchange))
                                .orElseGet(() -> JsonReply.error(404, "not_found", null));
                        send(exchange, reply.status(), JSON, reply.body());
                    }
                }
            });
            ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads.named("management"));
            server.setExecutor(thread);
            server.start();
            return new ManagementServer(server, thread);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the management port " + bindAddress + ":" + port, e);
        }
    }

    private static JsonReply answer(Route route, HttpExchange exchange) {
        if (route.loopbackOnly() && !exchange.getRemoteAddress().getAddress().isLoopbackAddress()) {
            return JsonReply.error(403, "loopback_only", route.path() + " is answered only on this machine");
        }
        try {
            return route.answer().apply(exchange.getRequestURI());
        } catch (StoreException e) {
            return JsonReply.error(503, "metadata_unavailable", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("management {} failed", exchange.getRequestURI(), e);
            return JsonReply.error(500, "internal_error", e.toString());
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
