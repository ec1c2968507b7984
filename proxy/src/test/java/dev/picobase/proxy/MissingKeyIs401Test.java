package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A request without any key (header, parameter or cookie) must be refused with a JSON 401 and not forwarded. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MissingKeyIs401Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void noKeyGets401() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/api/collections").build());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(GatewayFixture.json(r.body()).path("error").path("code").asText()).isEqualTo("unauthorized");
        assertThat(gateway.backend().received()).isEmpty();
    }

    @Test
    void blankKeyGets401() {
        HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/x?apikey=").header("apikey", " ").build());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(gateway.backend().received()).isEmpty();
    }
}
