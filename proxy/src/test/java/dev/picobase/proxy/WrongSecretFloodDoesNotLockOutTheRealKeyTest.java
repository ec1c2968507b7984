package dev.picobase.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.secret.ApiKeySecret;
import dev.picobase.core.secret.Passwords;
import dev.picobase.proxy.testsupport.GatewayFixture;
import dev.picobase.testsupport.RawHttp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key's public id is printed in its hint, so anyone may know it. The gateway used to cap failed
 * bcrypt checks per public id (20 a minute) for everyone at once, and a check refused by that cap
 * answered 401 even for the right secret whenever the key's verdict was not cached (a fresh key, an
 * expired cache entry, a restarted node): 22 wrong secrets from one stranger locked the real key out
 * for about a minute, again and again. Now failures are counted per (public id, client address):
 * the flooding address is refused without bcrypt past its cap — with 429 and Retry-After, not a 401
 * that claims the key is wrong — while the real key, never checked before, works from another address.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WrongSecretFloodDoesNotLockOutTheRealKeyTest {
    private static final String FLOODER = "127.0.0.1";
    private static final String OWNER = "127.0.0.2";
    private static final int FLOOD = 30;

    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void realKeyWorksFromAnotherAddressWhileOneAddressFloodsItsId() {
        ApiKeySecret real = ApiKeySecret.generate(); // never presented before: no cached verdict
        gateway.store().createApiKey(gateway.appInstanceId(), real.publicId(), "flooded", new Passwords(10)
                .hash(real.secret()), real.lastFour());
        long bcryptBefore = gateway.verifier().bcryptChecks();

        List<RawHttp.Response> flood = new ArrayList<>();
        try (RawHttp flooder = RawHttp.connectFrom(FLOODER, gateway.port())) {
            for (int i = 0; i < FLOOD; i++) {
                flood.add(get(flooder, wrongSecretFor(real, i)));
            }
        }
        long bcryptDuringFlood = gateway.verifier().bcryptChecks() - bcryptBefore;

        RawHttp.Response owner;
        try (RawHttp client = RawHttp.connectFrom(OWNER, gateway.port())) {
            owner = get(client, real.fullKey());
        }
        assertThat(owner.status()).withFailMessage("the real key from another address got %s", owner).isEqualTo(200);
        assertThat(gateway.backend().received()).hasSize(1);

        // The flooder: wrong-key answers while its own budget lasts, then refusals that run no bcrypt.
        List<Integer> statuses = flood.stream().map(RawHttp.Response::status).toList();
        int allowed = (int) statuses.stream().filter(s -> s == 401).count();
        assertThat(allowed).isBetween(1, FLOOD - 5);
        assertThat(statuses.subList(0, allowed)).containsOnly(401);
        assertThat(statuses.subList(allowed, FLOOD)).containsOnly(429);
        assertThat(bcryptDuringFlood).isEqualTo(allowed);
        RawHttp.Response refused = flood.get(FLOOD - 1);
        assertThat(refused.errorCode()).isEqualTo("key_checks_exhausted");
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);

        long bcryptNow = gateway.verifier().bcryptChecks();
        try (RawHttp flooder = RawHttp.connectFrom(FLOODER, gateway.port())) {
            assertThat(get(flooder, wrongSecretFor(real, FLOOD)).status()).isEqualTo(429);
        }
        assertThat(gateway.verifier().bcryptChecks()).isEqualTo(bcryptNow);
    }

    private static RawHttp.Response get(RawHttp client, String key) {
        return client.send("GET /api/health HTTP/1.1\r\nHost: " + gateway.appHost() + "\r\napikey: " + key
                + "\r\n\r\n").readResponse();
    }

    /** A well-formed key with the real public id and a secret that is not the real one. */
    private static String wrongSecretFor(ApiKeySecret real, int n) {
        String secret = String.format("%043d", n);
        return ApiKeySecret.PREFIX + real.publicId() + "_" + secret;
    }
}
