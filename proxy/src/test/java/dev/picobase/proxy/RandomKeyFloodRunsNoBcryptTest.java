package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.proxy.testsupport.GatewayFixture;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * bcrypt costs tens of milliseconds of CPU by design; if random keys reached it, a few thousand
 * requests a second would take the gateway down. Keys of the wrong shape must be refused on sight
 * and well-formed keys with an unknown public id after one indexed read — with no bcrypt at all.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RandomKeyFloodRunsNoBcryptTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void floodOfRandomKeysRunsNoBcrypt() {
        assertThat(status(gateway.appKey())).isEqualTo(200);
        long before = gateway.verifier().bcryptChecks();
        Random random = new Random(7);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            if (i % 2 == 0) {
                keys.add(ApiKeySecret.generate().fullKey());
            } else {
                byte[] b = new byte[1 + random.nextInt(60)];
                random.nextBytes(b);
                String junk = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
                keys.add(i % 3 == 0 ? "pbk_" + junk : junk);
            }
        }
        List<Integer> statuses = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += 50) {
            List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
            for (String key : keys.subList(from, Math.min(keys.size(), from + 50))) {
                batch.add(gateway.http().sendAsync(gateway.request(gateway.appHost(), "/").header("apikey", key).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            batch.forEach(f -> statuses.add(f.join().statusCode()));
        }
        assertThat(statuses).hasSize(3_000).containsOnly(401);
        assertThat(gateway.verifier().bcryptChecks()).isEqualTo(before);
        assertThat(gateway.backend().received()).hasSize(1); // only the valid request before the flood
        assertThat(status(gateway.appKey())).isEqualTo(200);
    }

    private static int status(String key) {
        return gateway.send(gateway.request(gateway.appHost(), "/").header("apikey", key).build()).statusCode();
    }
}
