package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A backend that accepts the request and never answers (a deadlocked hook, a stuck query) must not
 * hold the client forever: after the response timeout the client gets a JSON 504, and the stuck
 * backend connection is dropped, not returned to the pool.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackendStallIs504Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create().responseTimeout(Duration.ofMillis(700));

    @Test
    void stalledBackendGets504() {
        long start = System.nanoTime();
        HttpResponse<String> r = gateway.send(gateway.appRequest("/stall").build());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isEqualTo("backend_timeout");
        assertThat(millis).isLessThan(5_000);
        assertThat(gateway.send(gateway.appRequest("/echo").build()).statusCode()).isEqualTo(200);
    }
}
