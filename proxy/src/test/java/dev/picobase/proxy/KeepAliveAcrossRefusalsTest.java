package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A refusal of a body-less request (401, 404) leaves the connection in a clean state; closing it
 * anyway costs the client a new TCP (and in production TLS) handshake per refused request, and
 * mishandling it (the request's end marker taken for a new request) breaks the next one.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeepAliveAcrossRefusalsTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void connectionStaysUsableAfter401And404() {
        try (RawHttp c = gateway.raw()) {
            RawHttp.Response noKey = c.send("GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\n\r\n").readResponse();
            assertThat(noKey.status()).isEqualTo(401);
            assertThat(noKey.header("connection")).isNull();
            RawHttp.Response unknown = c.send("GET /echo HTTP/1.1\r\nHost: nosuch.localhost\r\n\r\n").readResponse();
            assertThat(unknown.status()).isEqualTo(404);
            RawHttp.Response wrong = c.send("GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: "
                    + gateway.otherKey() + "\r\n\r\n").readResponse();
            assertThat(wrong.status()).isEqualTo(401);
            RawHttp.Response ok = c.send("GET /echo HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: "
                    + gateway.appKey() + "\r\n\r\n").readResponse();
            assertThat(ok.status()).isEqualTo(200);
        }
    }
}
