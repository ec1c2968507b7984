package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A valid key of another instance must not open this one: the verdict is "valid for instance X",
 * and a check of "valid at all" would let any customer into every other customer's data.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OtherInstanceKeyIs401Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void keyOfOtherInstanceGets401() {
        HttpResponse<String> ok = gateway.send(gateway.request("other.localhost", "/").header("apikey", gateway.otherKey()).build());
        assertThat(ok.statusCode()).isEqualTo(200); // the key is valid, for "other"
        gateway.backend().reset();
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/").header("apikey", gateway.otherKey()).build());
        assertThat(r.statusCode()).isEqualTo(401);
        HttpResponse<String> q = gateway.send(gateway.request(gateway.appHost(), "/?apikey=" + gateway.otherKey()).build());
        assertThat(q.statusCode()).isEqualTo(401);
        assertThat(gateway.backend().received()).isEmpty();
    }
}
