package dev.picobase.api.scale;

import dev.picobase.testsupport.RawHttp;
import java.nio.charset.StandardCharsets;

/**
 * One instance as its tenant's client sees it through the gateway: requests to
 * {@code <subdomain>.localhost} carrying the instance's API key, and optionally a PocketBase auth
 * token. One connection per request ({@code Connection: close}).
 */
record TenantGateway(int port, String subdomain, String key, String pocketBaseToken) {

    TenantGateway(int port, String subdomain, String key) {
        this(port, subdomain, key, null);
    }

    /** The same instance, sending {@code Authorization: <token>} (a PocketBase admin or user token). */
    TenantGateway withToken(String token) {
        return new TenantGateway(port, subdomain, key, token);
    }

    /** The same instance behind another gateway (a restarted platform listens on new ports). */
    TenantGateway on(int gatewayPort) {
        return new TenantGateway(gatewayPort, subdomain, key, pocketBaseToken);
    }

    RawHttp.Response send(String method, String path, String json) {
        String body = json == null ? "" : json;
        try (RawHttp http = RawHttp.connect(port)) {
            http.send(method + " " + path + " HTTP/1.1\r\nHost: " + subdomain + ".localhost:" + port
                    + "\r\napikey: " + key
                    + (pocketBaseToken == null ? "" : "\r\nAuthorization: " + pocketBaseToken)
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n");
            http.send(body.getBytes(StandardCharsets.UTF_8));
            return http.readResponse();
        }
    }
}
