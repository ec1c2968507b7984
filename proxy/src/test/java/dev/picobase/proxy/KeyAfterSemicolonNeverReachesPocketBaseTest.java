package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: Netty's query decoder, which finds the key, splits parameters at {@code ;} as well
 * as {@code &}; the code that removed the key before forwarding split at {@code &} only. So
 * {@code ?x=1;apikey=KEY} was accepted and forwarded with the key in it, and PocketBase wrote it to
 * its logs database (and so to snapshots); as a navigation, it was redirected to itself. And a
 * navigation to {@code //evil.example/?apikey=KEY} was redirected to {@code //evil.example/}, another
 * site (an open redirect with the gateway's name on it).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyAfterSemicolonNeverReachesPocketBaseTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aKeyAfterASemicolonIsRemovedBeforeForwarding() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(),
                "/echo?x=1;apikey=" + gateway.appKey() + ";y=2").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().uri()).isEqualTo("/echo?x=1;y=2");
    }

    @Test
    void aNavigationWithTheKeyAfterASemicolonIsRedirectedWithoutIt() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/_/?a=1;apikey=" + gateway.appKey())
                .header("Accept", "text/html").build());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("location")).hasValue("/_/?a=1");
    }

    @Test
    void theRedirectStaysOnTheInstancesOrigin() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(),
                "//evil.example/?apikey=" + gateway.appKey()).header("Accept", "text/html").build());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("location")).hasValue("/evil.example/");
    }
}
