package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients (curl for large uploads, many SDKs) send {@code Expect: 100-continue} and wait for
 * {@code 100 Continue} before the body. A gateway that neither answers it nor passes it on leaves
 * them waiting out their own timeout; one that answers 100 before checking the key invites the body
 * of a request it will refuse. The 100 comes after admission; a refused request gets only its 401.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExpectContinueIsAnsweredTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void continueIsSentBeforeTheBodyThenTheAnswer() {
        try (RawHttp c = gateway.raw()) {
            c.send("POST /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey()
                    + "\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response interim = c.readHead();
            assertThat(interim.statusLine()).startsWith("HTTP/1.1 100");
            c.send("hello world");
            RawHttp.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().path("body").asText()).isEqualTo("hello world");
            assertThat(r.json().path("bodyLength").asLong()).isEqualTo(11);
        }
    }

    @Test
    void wrongKeyGets401WithoutContinue() {
        try (RawHttp c = gateway.raw()) {
            c.send("POST /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.otherKey()
                    + "\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response r = c.readResponse();
            assertThat(r.status()).isEqualTo(401);
            assertThat(c.closedByPeer(Duration.ofSeconds(3))).isTrue();
        }
        assertThat(gateway.backend().received()).isEmpty();
    }
}
