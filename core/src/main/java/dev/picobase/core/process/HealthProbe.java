package dev.picobase.core.process;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Asks a PocketBase process on a loopback port whether it is serving: {@code GET /api/health} must
 * answer 200. The client speaks plain HTTP/1.1 (the JDK client would otherwise try an HTTP/2
 * upgrade), never uses a proxy, and has short connect and request timeouts, so one probe cannot
 * hang a start.
 *
 * <p>Threading: blocking, at most about {@link #REQUEST_TIMEOUT}; any thread, concurrently.
 */
final class HealthProbe {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500))
            .followRedirects(HttpClient.Redirect.NEVER)
            .proxy(HttpClient.Builder.NO_PROXY)
            .build();

    private HealthProbe() {}

    static boolean healthy(int port) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
                .timeout(REQUEST_TIMEOUT)
                .GET()
                .build();
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet, or a pooled connection to an earlier process on this port
        }
    }
}
