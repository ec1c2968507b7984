package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/1.1 allows a client to send the next request before the previous answer; both can arrive in
 * one TCP read. A gateway that handles only the first message of a read, or answers out of order,
 * loses or swaps responses.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PipelinedRequestsAreAnsweredInOrderTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void twoRequestsInOnePacketGetTwoResponsesInOrder() {
        String head = " HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + gateway.appKey() + "\r\n\r\n";
        try (RawHttp c = gateway.raw()) {
            c.send("GET /echo?n=1" + head + "GET /echo?n=2" + head);
            assertThat(c.readResponse().json().path("uri").asText()).isEqualTo("/echo?n=1");
            assertThat(c.readResponse().json().path("uri").asText()).isEqualTo("/echo?n=2");
        }
    }

    @Test
    void pipelinedAfterBodyAndRefusal() {
        String host = "Host: " + gateway.appHost() + "\r\n";
        String key = "apikey: " + gateway.appKey() + "\r\n";
        try (RawHttp c = gateway.raw()) {
            c.send("POST /echo?n=1 HTTP/1.1\r\n" + host + key + "Content-Length: 3\r\n\r\nabc"
                    + "GET /echo?n=2 HTTP/1.1\r\n" + host + "\r\n"
                    + "GET /echo?n=3 HTTP/1.1\r\n" + host + key + "\r\n");
            RawHttp.Response first = c.readResponse();
            assertThat(first.json().path("uri").asText()).isEqualTo("/echo?n=1");
            assertThat(first.json().path("body").asText()).isEqualTo("abc");
            assertThat(c.readResponse().status()).isEqualTo(401);
            assertThat(c.readResponse().json().path("uri").asText()).isEqualTo("/echo?n=3");
        }
    }
}
