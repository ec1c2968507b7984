package dev.picobase.api.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.picobase.api.testsupport.ApiClient;
import dev.picobase.testsupport.RawHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * One instance as its tenant's client sees it through the gateway: requests to
 * {@code <subdomain>.localhost} carrying the instance's API key, and optionally a PocketBase auth
 * token. One connection per request ({@code Connection: close}).
 */
public record TenantGateway(int port, String subdomain, String key, String pocketBaseToken) {
    /** PocketBase's largest page. */
    private static final int PAGE = 500;

    public TenantGateway(int port, String subdomain, String key) {
        this(port, subdomain, key, null);
    }

    /** The same instance, sending {@code Authorization: <token>} (a PocketBase admin or user token). */
    public TenantGateway withToken(String token) {
        return new TenantGateway(port, subdomain, key, token);
    }

    /** The same instance behind another gateway (a restarted platform listens on new ports). */
    public TenantGateway on(int gatewayPort) {
        return new TenantGateway(gatewayPort, subdomain, key, pocketBaseToken);
    }

    public RawHttp.Response send(String method, String path, String json) {
        return send(method, path, json, null);
    }

    /**
     * As {@link #send(String, String, String)}, waiting up to {@code wait} for the answer instead of
     * RawHttp's 10 s (a request a frozen node holds until it runs again); null keeps the default.
     */
    public RawHttp.Response send(String method, String path, String json, Duration wait) {
        String body = json == null ? "" : json;
        try (RawHttp http = RawHttp.connect(port)) {
            if (wait != null) {
                http.readTimeout(wait);
            }
            http.send(method + " " + path + " HTTP/1.1\r\nHost: " + subdomain + ".localhost:" + port
                    + "\r\napikey: " + key
                    + (pocketBaseToken == null ? "" : "\r\nAuthorization: " + pocketBaseToken)
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n");
            http.send(body.getBytes(StandardCharsets.UTF_8));
            return http.readResponse();
        }
    }

    /** Creates the instance's first PocketBase admin and returns this instance as that admin. */
    public TenantGateway asNewAdmin(String email, String password) {
        RawHttp.Response created = send("POST", "/api/admins", ApiClient.json("email", email, "password", password,
                "passwordConfirm", password));
        assertThat(created.status()).as(created.text()).isEqualTo(200);
        RawHttp.Response signIn = send("POST", "/api/admins/auth-with-password",
                ApiClient.json("identity", email, "password", password));
        assertThat(signIn.status()).as(signIn.text()).isEqualTo(200);
        return withToken(signIn.json().path("token").asText());
    }

    /** As an admin: creates the collection {@code notes} with one required text field. */
    public void createNotes() {
        RawHttp.Response collection = send("POST", "/api/collections", """
                {"name": "notes", "type": "base", "schema": [{"name": "text", "type": "text", "required": true}]}
                """);
        assertThat(collection.status()).as(collection.text()).isEqualTo(200);
    }

    /** Writes a note and returns it as "id text", once PocketBase acknowledged it. */
    public String writeNote(String text) {
        RawHttp.Response write = send("POST", "/api/collections/notes/records", ApiClient.json("text", text));
        assertThat(write.status()).as(write.text()).isEqualTo(200);
        return write.json().path("id").asText() + " " + write.json().path("text").asText();
    }

    /** Every note as "id text" (waking the instance if it sleeps), page by page in id order. */
    public Set<String> notes() {
        Set<String> notes = new TreeSet<>();
        for (int page = 1; ; page++) {
            RawHttp.Response list = send("GET", "/api/collections/notes/records?perPage=" + PAGE + "&page=" + page
                    + "&sort=id&skipTotal=1&fields=id,text", null);
            assertThat(list.status()).as(list.text()).isEqualTo(200); // RawHttp reads a chunked body too
            JsonNode items = list.json().path("items");
            for (JsonNode item : items) {
                notes.add(item.path("id").asText() + " " + item.path("text").asText());
            }
            if (items.size() < PAGE) {
                return notes;
            }
        }
    }
}
