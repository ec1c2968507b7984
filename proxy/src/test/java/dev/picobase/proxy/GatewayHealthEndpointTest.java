package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Load balancers probe the gateway on the base domain without a key; the probe must be answered by
 * the gateway itself (200 {@code {"status":"ok"}}), never need a key or reach an instance.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GatewayHealthEndpointTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void healthOnBaseDomainIsOk() {
        HttpResponse<String> r = gateway.send(gateway.request("localhost:" + gateway.port(), "/health").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(GatewayFixture.json(r.body()).path("status").asText()).isEqualTo("ok");
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void otherPathsOnBaseDomainAre404() {
        HttpResponse<String> r = gateway.send(gateway.request("localhost:" + gateway.port(), "/api/x").build());
        assertThat(r.statusCode()).isEqualTo(404);
    }
}
