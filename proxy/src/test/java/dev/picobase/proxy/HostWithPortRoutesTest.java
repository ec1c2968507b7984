package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Browsers send the port in Host ({@code app.localhost:1234}) and hosts are case-insensitive
 * ({@code APP.localhost}); a router that compared the raw header would 404 real traffic.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostWithPortRoutesTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void anyPortAndAnyCaseRouteToTheInstance() {
        for (String host : new String[] {"app.localhost:1234", "APP.localhost", "App.LocalHost:" + gateway.port(),
                "app.localhost."}) {
            HttpResponse<String> r = gateway.send(gateway.request(host, "/echo")
                    .header("apikey", gateway.appKey()).build());
            assertThat(r.statusCode()).as(host).isEqualTo(200);
            assertThat(gateway.backend().lastReceived().uri()).isEqualTo("/echo");
        }
    }
}
