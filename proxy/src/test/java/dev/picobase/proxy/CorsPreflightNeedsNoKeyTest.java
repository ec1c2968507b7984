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
 * would break every cross-origin call of a web app. The gateway answers them itself, as PocketBase's
 * default CORS settings would, so an unauthenticated request never wakes a sleeping instance; a
 * plain OPTIONS without the preflight headers still needs a key.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CorsPreflightNeedsNoKeyTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void preflightIsAnsweredWithoutKeyAndWithoutWakingTheInstance() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/collections/posts/records")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://myapp.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "apikey, content-type").build());
        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("*");
        assertThat(r.headers().firstValue("access-control-allow-methods")).hasValueSatisfying(
                m -> assertThat(m).contains("POST"));
        assertThat(r.headers().firstValue("access-control-allow-headers")).hasValue("apikey, content-type");
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void plainOptionsStillNeedsKey() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/x")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(gateway.backend().received()).isEmpty();
    }
}
