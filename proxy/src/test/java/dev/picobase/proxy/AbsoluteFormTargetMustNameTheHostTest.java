package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: {@code GET http://other.localhost/… HTTP/1.1} with {@code Host: app…} was routed by
 * {@code Host} to one instance and forwarded with the other host in its target, so PocketBase and the
 * gateway disagreed on where the request was going. An absolute-form target must now name the same
 * host as {@code Host} (else 400), and PocketBase receives it in origin-form.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AbsoluteFormTargetMustNameTheHostTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aTargetNamingAnotherHostIsRefused() {
        RawHttp.Response r = send("GET http://other.localhost:" + gateway.port() + "/echo HTTP/1.1\r\nHost: "
                + gateway.appHost() + "\r\napikey: " + gateway.appKey() + "\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("malformed_request");
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void aTargetNamingTheSameHostIsForwardedInOriginForm() {
        RawHttp.Response r = send("GET http://APP.localhost:" + gateway.port() + "/echo?x=1 HTTP/1.1\r\nHost: "
                + gateway.appHost() + "\r\napikey: " + gateway.appKey() + "\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().uri()).isEqualTo("/echo?x=1");
        assertThat(gateway.backend().lastReceived().header("host")).isEqualTo(gateway.appHost().replace("app", "APP"));
    }

    @Test
    void otherTargetFormsAreRefused() {
        RawHttp.Response r = send("CONNECT app.localhost:443 HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
    }

    private static RawHttp.Response send(String request) {
        try (RawHttp c = gateway.raw()) {
            return c.send(request).readResponse();
        }
    }
}
