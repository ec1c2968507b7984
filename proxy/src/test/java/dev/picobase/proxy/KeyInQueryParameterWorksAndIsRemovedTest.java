package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * EventSource and links cannot set headers, so {@code ?apikey=} must work — and must be cut from
 * the URI before PocketBase sees it (its logs would otherwise hold every key), keeping the other
 * parameters intact.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyInQueryParameterWorksAndIsRemovedTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void keyInQueryIsAcceptedAndRemoved() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(),
                "/api/realtime?a=1&apikey=" + gateway.appKey() + "&b=two").build());
        assertThat(r.statusCode()).isEqualTo(200);
        String forwarded = gateway.backend().lastReceived().uri();
        assertThat(forwarded).doesNotContain("apikey").doesNotContain(gateway.appKey());
        assertThat(forwarded).isEqualTo("/api/realtime?a=1&b=two");
    }

    @Test
    void keyAsOnlyParameterLeavesCleanPath() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/_/?apikey=" + gateway.appKey()).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().uri()).isEqualTo("/_/");
    }
}
