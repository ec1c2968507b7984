package dev.picobase.proxy.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.secret.Passwords;
import dev.picobase.proxy.testsupport.GatewayFixture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What went wrong: a key's first check reads its row and runs bcrypt on the key-check pool; when the
 * key was revoked meanwhile, {@code revoke} cleared the cache before the check put its valid verdict
 * in, and the revoked key kept working for another second (and could open a stream that outlived
 * the revocation). A verdict for a key revoked meanwhile is now refused and not cached.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CheckInFlightDuringRevocationDoesNotRestoreTheKeyTest {
    @RegisterExtension
    static final GatewayFixture gateway = GatewayFixture.create();

    @Test
    void aCheckThatFinishesAfterTheRevocationAnswersInvalid() {
        ArrayDeque<Runnable> pool = new ArrayDeque<>();
        ApiKeyVerifier verifier = new ApiKeyVerifier(gateway.store(), new Passwords(10), pool::add, Duration.ofHours(1));

        CompletableFuture<KeyVerdict> first = verifier.verify(gateway.appKey(), "127.0.0.1");
        assertThat(first).isNotDone(); // queued on the (hand-run) key-check pool
        verifier.revoke(gateway.appKeyRow().id());
        pool.poll().run(); // the check reads the row (still there) and runs bcrypt after the revocation

        assertThat(first.join().valid()).isFalse();
        assertThat(verifier.verify(gateway.appKey(), "127.0.0.1")).isNotDone(); // nothing valid was cached
    }
}
