package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import dev.picobase.testsupport.RawHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway that warmed up (PICOBASE_GATEWAY_WARMUP_REQUESTS) serves its clients as one that did not:
 * the warm-up's requests went to a backend of its own, never to an instance's, and left nothing in
 * flight and no pooled connection behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayWarmsUpBeforeItListensTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().configure(c -> c.withWarmupRequests(500));

    @Test
    void afterTheWarmUpRequestsGoToTheirInstanceOverOneNewConnection() {
        assertThat(gateway.server().inFlight()).isZero();
        try (RawHttp c = gateway.raw()) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = c.send("GET /echo?i=" + i + " HTTP/1.1\r\nHost: " + gateway.appHost()
                        + "\r\napikey: " + gateway.appKey() + "\r\n\r\n").readResponse();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.json().path("uri").asText()).isEqualTo("/echo?i=" + i);
            }
        }
        assertThat(gateway.backend().received()).extracting(TestBackend.Received::uri)
                .containsExactly("/echo?i=0", "/echo?i=1", "/echo?i=2");
        assertThat(gateway.backend().connections()).isEqualTo(1);
    }
}
