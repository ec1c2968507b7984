package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code PICOBASE_SECURE_COOKIES} on (the platform is served over HTTPS), the control API's
 * session cookie was {@code Secure} but the gateway's key cookie was not, so a browser would send
 * the full API key over plain HTTP to the same host. It is {@code Secure} now too.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyCookieIsSecureWhenConfiguredTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().secureCookies(true);

    @Test
    void keyCookieIsSecure() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/_/?apikey=" + gateway.appKey())
                .header("Accept", "text/html").build());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("set-cookie")).hasValueSatisfying(c -> assertThat(c)
                .startsWith("picobase_apikey=")
                .containsIgnoringCase("; Secure")
                .containsIgnoringCase("HttpOnly"));
    }
}
