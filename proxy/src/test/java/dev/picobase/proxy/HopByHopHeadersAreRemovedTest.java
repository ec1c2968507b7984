package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import dev.picobase.proxy.testsupport.TestBackend;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hop-by-hop headers describe one connection, not the request (RFC 9110 §7.6.1): forwarding
 * {@code Connection: close} would close the pooled backend connection, forwarding a header the
 * client named in {@code Connection} would leak what the client meant only for the proxy, and
 * forwarding a stray {@code Upgrade} could make PocketBase switch protocols under the gateway.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HopByHopHeadersAreRemovedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void hopByHopHeadersDoNotReachBackend() {
        try (RawHttp c = gateway.raw()) {
            RawHttp.Response r = c.send("GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\n"
                    + "apikey: " + gateway.appKey() + "\r\n"
                    + "Connection: close, x-custom\r\n"
                    + "X-Custom: for-the-proxy-only\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                    + "TE: trailers\r\n"
                    + "Trailer: X-Checksum\r\n"
                    + "Upgrade: h2c\r\n"
                    + "X-Kept: yes\r\n\r\n").readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
        }
        TestBackend.Received got = gateway.backend().lastReceived();
        for (String name : new String[] {"x-custom", "keep-alive", "proxy-authorization", "te", "trailer", "upgrade"}) {
            assertThat(got.header(name)).as(name).isNull();
        }
        assertThat(got.header("connection")).as("connection").satisfiesAnyOf(
                v -> assertThat(v).isNull(), v -> assertThat(v).doesNotContainIgnoringCase("x-custom"));
        assertThat(got.header("x-kept")).isEqualTo("yes");
    }
}
