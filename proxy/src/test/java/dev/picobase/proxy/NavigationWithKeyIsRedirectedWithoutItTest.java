package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.proxy.testsupport.TestBackend;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A browser that opened {@code /_/?apikey=KEY} kept the key in the page's address, and sent
 * {@code Referer: .../_/?apikey=KEY} with every request the page made; PocketBase wrote those to its
 * {@code logs.db}, and so the full key ended up in every snapshot. The gateway now answers such a
 * navigation itself: 303 to the same address without {@code apikey} (path and other parameters
 * kept), with the key cookie, {@code Referrer-Policy} and {@code Cache-Control: no-store}; the
 * navigation is not forwarded, and the page PocketBase serves is loaded from the clean address.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NavigationWithKeyIsRedirectedWithoutItTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void navigationIsRedirectedToTheAddressWithoutTheKey() {
        HttpResponse<String> r = navigate("/_/collections?tab=a%20b&apikey=" + gateway.appKey() + "&sort=-created");

        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("location")).hasValue("/_/collections?tab=a%20b&sort=-created");
        assertThat(r.headers().firstValue("referrer-policy")).hasValueSatisfying(policy ->
                assertThat(policy).isIn("no-referrer", "same-origin", "strict-origin"));
        assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(r.headers().firstValue("set-cookie")).hasValueSatisfying(c ->
                assertThat(c).startsWith("picobase_apikey=" + gateway.appKey() + ";"));
        assertThat(gateway.backend().received()).isEmpty();

        HttpResponse<String> page = gateway.send(gateway.request(gateway.appHost(), "/_/collections?tab=a%20b&sort=-created")
                .header("Accept", "text/html")
                .header("Cookie", "picobase_apikey=" + gateway.appKey()).build());
        assertThat(page.statusCode()).isEqualTo(200);
        TestBackend.Received seen = gateway.backend().lastReceived();
        assertThat(seen.uri()).isEqualTo("/_/collections?tab=a%20b&sort=-created");
        assertThat(seen.headers().toString()).doesNotContain(gateway.appKey());
    }

    @Test
    void keyAsTheOnlyParameterLeavesThePath() {
        HttpResponse<String> r = navigate("/_/?apikey=" + gateway.appKey());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("location")).hasValue("/_/");
    }

    @Test
    void wrongKeyInNavigationGets401AndNoCookie() {
        HttpResponse<String> r = navigate("/_/?apikey=" + gateway.otherKey());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("set-cookie")).isEmpty();
    }

    private static HttpResponse<String> navigate(String pathAndQuery) {
        return gateway.send(gateway.request(gateway.appHost(), pathAndQuery)
                .header("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8").build());
    }
}
