package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.FreePorts;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * When PocketBase is not listening (crashed, or between stop and start) the client must get a JSON
 * 502 at once — not a reset, not a hang until some timeout.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackendConnectionRefusedIs502Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void refusedConnectionGets502() {
        InetSocketAddress nobody = new InetSocketAddress("127.0.0.1", FreePorts.next());
        gateway.backends(Backends.fixed(nobody));
        HttpResponse<String> r = gateway.send(gateway.appRequest("/echo").build());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isNotEmpty();
    }
}
