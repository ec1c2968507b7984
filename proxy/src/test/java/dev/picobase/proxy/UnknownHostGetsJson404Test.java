package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Host that names no instance (an unknown subdomain, another domain, a nested subdomain) must get
 * the gateway's JSON 404 — not a forward to some default instance, not an HTML page, not a hang
 * while the route table looks the subdomain up.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnknownHostGetsJson404Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void unknownSubdomainGetsJson404() {
        HttpResponse<String> r = gateway.send(gateway.request("nosuch.localhost:" + gateway.port(), "/api/health")
                .header("apikey", gateway.appKey()).build());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isEqualTo("unknown_instance");
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void otherDomainsAndNestedSubdomainsGetJson404() {
        for (String host : new String[] {"example.com", "a.app.localhost", "127.0.0.1:" + gateway.port()}) {
            HttpResponse<String> r = gateway.send(gateway.request(host, "/").build());
            assertThat(r.statusCode()).as(host).isEqualTo(404);
            assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isNotEmpty();
        }
        assertThat(gateway.backend().received()).isEmpty();
    }
}
