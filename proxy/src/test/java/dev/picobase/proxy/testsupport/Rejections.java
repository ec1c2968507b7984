package dev.picobase.proxy.testsupport;

import dev.picobase.testsupport.RawHttp;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/** The shared check for requests the gateway must refuse itself: JSON error, connection closed, nothing forwarded. */
public final class Rejections {
    private Rejections() {}

    /** Sends {@code request} on a fresh connection and checks it gets {@code status} and a close. */
    public static RawHttp.Response assertRejectedAndClosed(GatewayFixture gateway, String request, int status) {
        int before = gateway.backend().received().size();
        try (RawHttp c = gateway.raw()) {
            RawHttp.Response r = c.send(request).readResponse();
            assertThat(r.status()).as(r.statusLine()).isEqualTo(status);
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.json().path("error").path("code").asText()).isNotEmpty();
            assertThat(c.closedByPeer(Duration.ofSeconds(3))).as("connection closed").isTrue();
            assertThat(gateway.backend().received()).as("forwarded requests").hasSize(before);
            return r;
        }
    }

    /** The head of a request to instance {@code app} with a valid key, without the final blank line. */
    public static String appHead(GatewayFixture gateway, String requestLine) {
        return requestLine + "\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey() + "\r\n";
    }
}
