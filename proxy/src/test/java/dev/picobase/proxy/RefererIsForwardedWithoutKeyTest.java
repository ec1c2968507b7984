package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway removed the key from the request's own URI but passed the {@code Referer} through
 * untouched; a page whose address held {@code ?apikey=} thus handed PocketBase the full key with
 * every request, and PocketBase logs the Referer. The forwarded Referer has no {@code apikey} now,
 * whatever its spelling; the rest of it is kept as sent.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RefererIsForwardedWithoutKeyTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void backendSeesRefererWithoutKey() {
        String key = gateway.appKey();
        String page = "http://" + gateway.appHost() + "/_/?apikey=" + key + "&tab=x%2Fy";
        HttpResponse<String> r = gateway.send(gateway.appRequest("/api/collections").header("Referer", page).build());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().header("referer"))
                .isEqualTo("http://" + gateway.appHost() + "/_/?tab=x%2Fy");
    }

    @Test
    void encodedOrCapitalisedKeyParameterIsRemovedToo() {
        String key = gateway.appKey();
        gateway.send(gateway.appRequest("/api/x")
                .header("Referer", "https://app.example.com/p?a=1&API%4Bey=" + key + "&ApiKey=" + key).build());
        assertThat(gateway.backend().lastReceived().header("referer")).isEqualTo("https://app.example.com/p?a=1");
    }

    @Test
    void refererWithoutKeyIsUntouched() {
        String referer = "http://app.localhost/_/?filter=(a%3D1)&b";
        gateway.send(gateway.appRequest("/api/x").header("Referer", referer).build());
        assertThat(gateway.backend().lastReceived().header("referer")).isEqualTo(referer);
    }
}
