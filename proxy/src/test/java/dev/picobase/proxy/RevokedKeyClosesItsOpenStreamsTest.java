package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: a key is checked when a request arrives, so an SSE stream opened before the key
 * was revoked kept receiving the instance's events for as long as the client held it. Revoking a key
 * now closes every stream it opened, whether the key came in the header, the query or the cookie;
 * streams of other keys stay open.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RevokedKeyClosesItsOpenStreamsTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void everyStreamOfTheRevokedKeyClosesAndOthersStayOpen() {
        String key = gateway.appKey();
        try (RawHttp header = stream(gateway.appHost(), "/sse", "apikey: " + key + "\r\n");
             RawHttp query = stream(gateway.appHost(), "/sse?apikey=" + key, "");
             RawHttp cookie = stream(gateway.appHost(), "/sse", "Cookie: picobase_apikey=" + key + "\r\n");
             RawHttp otherKey = stream(gateway.otherHost(), "/sse", "apikey: " + gateway.otherKey() + "\r\n")) {

            assertThat(gateway.server().revokeKey(gateway.appKeyRow().id())).isEqualTo(3);

            for (RawHttp c : List.of(header, query, cookie)) {
                assertThat(c.closedByPeer(Duration.ofSeconds(1))).isTrue();
            }
            assertThat(otherKey.closedByPeer(Duration.ofMillis(300))).isFalse();
        }
    }

    private static RawHttp stream(String host, String path, String headers) {
        RawHttp c = gateway.raw();
        RawHttp.Response head = c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers
                + "Accept: text/event-stream\r\n\r\n").readHead();
        assertThat(head.status()).isEqualTo(200);
        return c;
    }
}
