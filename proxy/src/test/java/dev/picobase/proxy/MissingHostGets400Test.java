package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An HTTP/1.1 request without a Host header cannot be routed; it must get a JSON 400, never be
 * forwarded to an arbitrary instance, and never leave the client waiting.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MissingHostGets400Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void requestWithoutHostGetsJson400() {
        try (RawHttp c = gateway.raw()) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\napikey: " + gateway.appKey() + "\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.json().path("error").path("code").asText()).isEqualTo("missing_host");
        }
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void requestWithEmptyHostGetsJson400() {
        try (RawHttp c = gateway.raw()) {
            RawHttp.Response r = c.send("GET / HTTP/1.1\r\nHost: \r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().path("error").path("code").asText()).isNotEmpty();
        }
    }
}
