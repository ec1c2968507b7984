package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Opening a TCP connection to PocketBase per request doubles latency and exhausts ephemeral ports
 * under load. Sequential requests must reuse pooled backend connections.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackendConnectionsAreReusedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void tenSequentialRequestsUseAtMostTwoBackendConnections() {
        try (RawHttp c = gateway.raw()) {
            for (int i = 0; i < 10; i++) {
                RawHttp.Response r = c.send("GET /echo?i=" + i + " HTTP/1.1\r\nHost: " + gateway.appHost()
                        + "\r\napikey: " + gateway.appKey() + "\r\n\r\n").readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.json().path("uri").asText()).isEqualTo("/echo?i=" + i);
            }
        }
        assertThat(gateway.backend().received()).hasSize(10);
        assertThat(gateway.backend().connections()).isLessThanOrEqualTo(2);
    }

    @Test
    void uploadsAlsoReuseConnections() {
        try (RawHttp c = gateway.raw()) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Response r = c.send("POST /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: "
                        + gateway.appKey() + "\r\nContent-Length: 5\r\n\r\nhello").readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.json().path("body").asText()).isEqualTo("hello");
            }
        }
        assertThat(gateway.backend().connections()).isLessThanOrEqualTo(2);
    }
}
