package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The key is the gateway's business: PocketBase (and anything it logs or hooks call) must never see
 * the {@code apikey} header, whatever its case.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyHeaderIsRemovedBeforeForwardingTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void keyHeaderDoesNotReachBackend() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/x")
                .header("ApiKey", gateway.appKey()).header("X-Other", "kept").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(gateway.backend().lastReceived().header("apikey")).isNull();
        assertThat(gateway.backend().lastReceived().header("x-other")).isEqualTo("kept");
        assertThat(r.body()).doesNotContain(gateway.appKey());
    }
}
