package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Verdicts are cached for an hour; a revoked key that kept working from the cache would be a
 * security hole. Revoked in-process it must fail on the very next request; deleted by another
 * process it must fail within the recheck interval (one second here).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RevokedKeyIsRejectedAtOnceTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    private String newKey() {
        ApiKeySecret k = ApiKeySecret.generate();
        gateway.store().createApiKey(gateway.appInstanceId(), k.publicId(), "t", new Passwords(10).hash(k.secret()),
                k.lastFour());
        return k.fullKey();
    }

    private int status(String key) {
        return gateway.send(gateway.request(gateway.appHost(), "/").header("apikey", key).build()).statusCode();
    }

    @Test
    void revokedKeyFailsOnNextRequest() {
        String key = newKey();
        assertThat(status(key)).isEqualTo(200);
        assertThat(status(key)).isEqualTo(200); // now cached
        String id = ApiKeySecret.parse(key).orElseThrow().publicId();
        assertThat(gateway.store().deleteApiKey(gateway.appInstanceId(), id)).isTrue();
        gateway.verifier().revoke(id);
        assertThat(status(key)).isEqualTo(401);
        assertThat(status(gateway.appKey())).isEqualTo(200);
    }

    @Test
    void keyDeletedElsewhereFailsWithinRecheckInterval() {
        String key = newKey();
        assertThat(status(key)).isEqualTo(200);
        gateway.store().deleteApiKey(gateway.appInstanceId(), ApiKeySecret.parse(key).orElseThrow().publicId());
        Deadline.await("the deleted key to be refused", Duration.ofSeconds(5), () -> status(key) == 401);
    }
}
