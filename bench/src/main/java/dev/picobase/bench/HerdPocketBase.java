package dev.picobase.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One tenant's PocketBase API through the gateway ({@code Host: <subdomain>.localhost} and its
 * {@code apikey}), for setting up the data the herd and many-tenants benchmarks read: an admin, a
 * {@code posts} collection readable by anyone, and one record in it.
 */
final class HerdPocketBase {
    static {
        // java.net.http sends a caller's Host header only when told it may (read when it first loads).
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    }

    /** Read by every benchmark request: {@code GET} it to read the one record. */
    static final String RECORD_PATH = "/api/collections/posts/records/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final int gatewayPort;
    private final String subdomain;
    private final String key;

    HerdPocketBase(int gatewayPort, String subdomain, String key) {
        this.gatewayPort = gatewayPort;
        this.subdomain = subdomain;
        this.key = key;
    }

    /**
     * Creates the admin, the {@code posts} collection and one record (waking the instance if it is
     * stopped) and returns the record's id.
     */
    String seedRecord() {
        Map<String, String> admin = Map.of("email", "admin@example.com", "password", "bench-password-1",
                "passwordConfirm", "bench-password-1");
        send("POST", "/api/admins", admin, null);
        String token = send("POST", "/api/admins/auth-with-password",
                Map.of("identity", "admin@example.com", "password", "bench-password-1"), null).get("token").asText();
        send("POST", "/api/collections", Map.of("name", "posts", "type", "base", "listRule", "", "viewRule", "",
                "schema", List.of(Map.of("name", "title", "type", "text"))), token);
        return send("POST", "/api/collections/posts/records", Map.of("title", "hello"), token).get("id").asText();
    }

    /** {@code GET path}; returns the status (any, without throwing). */
    int status(String path) {
        return exchange("GET", path, null, null).statusCode();
    }

    private JsonNode send(String method, String path, Object body, String adminToken) {
        HttpResponse<String> response = exchange(method, path, body, adminToken);
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " on " + subdomain + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON from " + method + " " + path + ": " + response.body(), e);
        }
    }

    private HttpResponse<String> exchange(String method, String path, Object body, String adminToken) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("Host", subdomain + ".localhost")
                    .header("apikey", key)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            if (adminToken != null) {
                request.header("Authorization", adminToken);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " on " + subdomain + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
