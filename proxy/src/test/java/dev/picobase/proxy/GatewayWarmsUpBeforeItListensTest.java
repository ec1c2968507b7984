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
 * A gateway that warmed up on its own event loops before binding (PICOBASE_GATEWAY_WARMUP_REQUESTS)
 * serves its clients as one that did not: over the same loops, a first request opens a new connection
 * to its instance (the warm-up's pool is not this gateway's) and it is answered. What the
 * warm-up sends and leaves behind is WarmupTest's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayWarmsUpBeforeItListensTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().configure(c -> c.withWarmupRequests(500));

    @Test
    void afterTheWarmUpARequestGoesToItsInstanceOverANewConnection() {
        try (RawHttp c = gateway.raw()) {
            RawHttp.Response r = c.send("GET /echo?after=warmup HTTP/1.1\r\nHost: " + gateway.appHost()
                    + "\r\napikey: " + gateway.appKey() + "\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().path("uri").asText()).isEqualTo("/echo?after=warmup");
        }
        assertThat(gateway.backend().received()).extracting(TestBackend.Received::uri)
                .containsExactly("/echo?after=warmup");
        assertThat(gateway.backend().connections()).isEqualTo(1);
    }
}
