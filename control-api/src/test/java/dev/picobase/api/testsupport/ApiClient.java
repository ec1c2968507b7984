package dev.picobase.api.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A small HTTP client for tests that talks to the control API as a user would: JSON in and out,
 * optional bearer token, raw headers when a test needs them (cookies, CSRF). HTTP/1.1 only.
 * Immutable: {@code with*} methods return a new client, so one signed-in user can be shared.
 */
public final class ApiClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final Map<String, String> defaultHeaders;

    public ApiClient(String base) {
        this(base, Map.of());
    }

    private ApiClient(String base, Map<String, String> headers) {
        this.base = base;
        this.defaultHeaders = headers;
    }

    /** A client that sends {@code Authorization: Bearer token} on every request. */
    public ApiClient withToken(String token) {
        return withHeader("Authorization", "Bearer " + token);
    }

    /** A client that sends the given cookies (name, value, name, value, ...) on every request. */
    public ApiClient withCookies(String... namesAndValues) {
        StringBuilder cookie = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (cookie.length() > 0) {
                cookie.append("; ");
            }
            cookie.append(namesAndValues[i]).append('=').append(namesAndValues[i + 1]);
        }
        return withHeader("Cookie", cookie.toString());
    }

    public ApiClient withHeader(String name, String value) {
        Map<String, String> headers = new LinkedHashMap<>(defaultHeaders);
        headers.put(name, value);
        return new ApiClient(base, headers);
    }

    public String base() {
        return base;
    }

    /** A response: status, headers and the parsed JSON body (MissingNode when empty or not JSON). */
    public record Reply(int status, HttpHeaders headers, String text, JsonNode json) {
        public String errorCode() {
            return json.path("error").path("code").asText();
        }

        public List<String> setCookies() {
            return headers.allValues("set-cookie");
        }

        /** The raw {@code Set-Cookie} header that sets {@code name}. */
        public Optional<String> setCookie(String name) {
            return setCookies().stream().filter(c -> c.startsWith(name + "=")).findFirst();
        }

        /** The value {@code Set-Cookie} gives the cookie {@code name}. */
        public Optional<String> cookieValue(String name) {
            return setCookie(name).map(c -> HttpCookie.parse(c).get(0).getValue());
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    /** A JSON object from alternating names and values, e.g. {@code json("name", "Ada", "age", 3)}. */
    public static String json(Object... namesAndValues) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            object.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        try {
            return MAPPER.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public Reply get(String path) {
        return send("GET", path, (String) null);
    }

    /** A POST without a body (start, stop, sign-out). */
    public Reply post(String path) {
        return send("POST", path, (String) null);
    }

    public Reply post(String path, String json) {
        return send("POST", path, json);
    }

    public Reply delete(String path) {
        return send("DELETE", path, (String) null);
    }

    public Reply send(String method, String path, String json) {
        return send(method, path, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
    }

    public Reply send(String method, String path, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body).header("Content-Type", "application/json");
        defaultHeaders.forEach(b::setHeader);
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode node;
            try {
                node = r.body().isEmpty() ? MissingNode.getInstance() : MAPPER.readTree(r.body());
            } catch (IOException notJson) {
                node = MissingNode.getInstance();
            }
            return new Reply(r.statusCode(), r.headers(), r.body(), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Signs up and signs in a fresh user with a unique email. */
    public SignedIn signUpAndSignIn() {
        return signUpAndSignIn(Unique.email(), "correct horse battery");
    }

    /** Signs up and signs in a fresh user; returns a client carrying its bearer token. */
    public SignedIn signUpAndSignIn(String email, String password) {
        Reply up = post("/api/auth/signup", json("name", "Test User", "email", email, "password", password));
        if (up.status() != 201) {
            throw new AssertionError("sign-up failed: " + up.status() + " " + up.text());
        }
        Reply in = post("/api/auth/signin", json("email", email, "password", password));
        if (in.status() != 200) {
            throw new AssertionError("sign-in failed: " + in.status() + " " + in.text());
        }
        return new SignedIn(withToken(in.json().get("token").asText()), in, email, password);
    }

    /** An instance as a tenant app sees it: its id, its subdomain and a valid API key. */
    public record Tenant(String id, String subdomain, String key) {}

    /** A signed-in user: a client with its bearer token, and what sign-in answered. */
    public record SignedIn(ApiClient client, Reply signIn, String email, String password) {
        public String token() {
            return signIn.json().get("token").asText();
        }

        public String csrfToken() {
            return signIn.json().get("csrfToken").asText();
        }

        public String userId() {
            return signIn.json().path("user").path("id").asText();
        }

        /** Creates an instance with a unique subdomain and returns its JSON. */
        public JsonNode createInstance() {
            Reply created = client.post("/api/instances", json("name", "Test app", "subdomain", Unique.subdomain()));
            if (created.status() != 201) {
                throw new AssertionError("create instance failed: " + created);
            }
            return created.json();
        }

        /** Creates an instance with a unique subdomain and a key for it. */
        public Tenant createInstanceWithKey() {
            JsonNode instance = createInstance();
            String id = instance.get("id").asText();
            return new Tenant(id, instance.get("subdomain").asText(), createKey(id).get("key").asText());
        }

        /** Creates an API key for the instance and returns its JSON (with the full {@code key}). */
        public JsonNode createKey(String instanceId) {
            Reply created = client.post("/api/instances/" + instanceId + "/keys", json("name", "test key"));
            if (created.status() != 201) {
                throw new AssertionError("create key failed: " + created);
            }
            return created.json();
        }
    }
}
