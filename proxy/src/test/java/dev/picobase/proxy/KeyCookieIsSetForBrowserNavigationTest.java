package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A page opened with {@code ?apikey=} (PocketBase's admin UI at {@code /_/?apikey=...}) makes its
 * own API calls without the key; the gateway must hand the browser an HttpOnly, SameSite cookie it
 * then accepts like the header — and must not pass that cookie on to PocketBase. The cookie comes
 * with the gateway's 303 to the page's address without the key
 * ({@link NavigationWithKeyIsRedirectedWithoutItTest}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyCookieIsSetForBrowserNavigationTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void navigationGetsCookieThatWorksAndIsNotForwarded() {
        HttpResponse<String> page = gateway.send(gateway.request(gateway.appHost(), "/_/?apikey=" + gateway.appKey())
                .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").build());
        assertThat(page.statusCode()).isEqualTo(303);
        List<String> setCookies = page.headers().allValues("set-cookie");
        assertThat(setCookies).singleElement().satisfies(c -> assertThat(c)
                .startsWith("picobase_apikey=" + gateway.appKey())
                .containsIgnoringCase("HttpOnly")
                .containsIgnoringCase("SameSite=Lax")
                .containsIgnoringCase("Path=/")
                .doesNotContainIgnoringCase("Secure")); // PICOBASE_SECURE_COOKIES is off by default

        HttpResponse<String> api = gateway.send(gateway.request(gateway.appHost(), "/api/collections")
                .header("Cookie", "theme=dark; picobase_apikey=" + gateway.appKey() + "; pb_auth=abc").build());
        assertThat(api.statusCode()).isEqualTo(200);
        String forwardedCookie = gateway.backend().lastReceived().header("cookie");
        assertThat(forwardedCookie).doesNotContain("picobase_apikey").doesNotContain(gateway.appKey());
        assertThat(forwardedCookie).contains("theme=dark").contains("pb_auth=abc");
    }

    @Test
    void apiCallWithKeyInQueryGetsNoCookie() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/x?apikey=" + gateway.appKey())
                .header("Accept", "application/json").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().allValues("set-cookie")).isEmpty();
    }

    @Test
    void wrongCookieGets401() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/x")
                .header("Cookie", "picobase_apikey=" + gateway.otherKey()).build());
        assertThat(r.statusCode()).isEqualTo(401);
    }
}
