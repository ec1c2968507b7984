package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A wrong key — the right public id with another secret, an unknown key, garbage — must get 401,
 * including on repeat (a cached verdict must not turn into a pass).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WrongKeyIs401Test {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void wrongKeysGet401() {
        String publicId = ApiKeySecret.parse(gateway.appKey()).orElseThrow().publicId();
        String rightIdWrongSecret = new ApiKeySecret(publicId, ApiKeySecret.generate().secret()).fullKey();
        for (String key : new String[] {rightIdWrongSecret, ApiKeySecret.generate().fullKey(), "garbage",
                gateway.appKey() + "x"}) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = gateway.send(gateway.request(gateway.appHost(), "/").header("apikey", key).build());
                assertThat(r.statusCode()).as(key).isEqualTo(401);
            }
        }
        assertThat(gateway.backend().received()).isEmpty();
    }
}
