package dev.picobase.api.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.picobase.core.io.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operators' port: {@code GET /metrics} (Prometheus text format), {@code GET /health} and
 * {@code GET /cluster} (the nodes sharing the metadata database, as JSON), on
 * the management address (loopback unless configured otherwise), never on the tenant or API
 * port. The JDK's own HTTP server is enough here: a scrape every few seconds from one Prometheus
 * needs no event loop, and this keeps operator traffic off the gateway's threads entirely.
 *
 * <p>Threading: requests are served one at a time on a single daemon thread.
 */
public final class ManagementServer implements AutoCloseable {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;

    private ManagementServer(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    public static ManagementServer start(String bindAddress, int port, PlatformMetrics metrics) {
        return start(bindAddress, port, metrics, () -> "{\"nodes\":[]}");
    }

    /** {@code cluster} answers {@code GET /cluster}; it may block (a database read on this port's own thread). */
    public static ManagementServer start(String bindAddress, int port, PlatformMetrics metrics,
                                         java.util.function.Supplier<String> cluster) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
            server.createContext("/", exchange -> {
                try (exchange) {
                    String path = exchange.getRequestURI().getPath();
                    if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                        send(exchange, 405, "application/json", "{\"error\":\"method_not_allowed\"}");
                    } else if (path.equals("/metrics")) {
                        send(exchange, 200, PROMETHEUS_TEXT, metrics.scrape());
                    } else if (path.equals("/cluster")) {
                        String body;
                        try {
                            body = cluster.get();
                        } catch (RuntimeException e) {
                            send(exchange, 503, "application/json", "{\"error\":\"metadata_unavailable\"}");
                            return;
                        }
                        send(exchange, 200, "application/json", body);
                    } else if (path.equals("/health")) {
                        send(exchange, 200, "application/json", "{\"status\":\"ok\"}");
                    } else {
                        send(exchange, 404, "application/json", "{\"error\":\"not_found\"}");
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
