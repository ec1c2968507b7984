package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A backend that closes the connection without answering (it crashed mid-request) must produce a
 * JSON 502 for the client, not an empty reply or a reset — also when the connection came from the
 * pool, where the gateway retries a replayable request once and then gives up.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackendClosingEarlyIs502Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void earlyCloseGets502() {
        HttpResponse<String> r = gateway.send(gateway.appRequest("/close").build());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isEqualTo("backend_failed");
    }

    @Test
    void earlyCloseOnPooledConnectionGets502AndClientConnectionStaysUsable() {
        try (RawHttp c = gateway.raw()) {
            String head = " HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey() + "\r\n\r\n";
            assertThat(c.send("GET /echo" + head).readResponse().status()).isEqualTo(200);
            assertThat(c.send("GET /close" + head).readResponse().status()).isEqualTo(502);
            assertThat(c.send("GET /echo" + head).readResponse().status()).isEqualTo(200);
        }
    }
}
