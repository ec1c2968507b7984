package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Browsers send CORS preflights without custom headers, so without the key; refusing them with 401
 * would break every cross-origin call of a web app. They must reach PocketBase (which answers CORS),
 * while a plain OPTIONS without the preflight headers still needs a key.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CorsPreflightNeedsNoKeyTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void preflightIsForwardedWithoutKey() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/collections/posts/records")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://myapp.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "apikey, content-type").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().method()).isEqualTo("OPTIONS");
        assertThat(gateway.backend().lastReceived().header("origin")).isEqualTo("https://myapp.example");
    }

    @Test
    void plainOptionsStillNeedsKey() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/x")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(gateway.backend().received()).isEmpty();
    }
}
