package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What went wrong: the held requests' shared wake-up removed itself from the map of wake-ups in a
 * completion callback registered inside {@code computeIfAbsent}. A wake-up that failed before that
 * callback was registered (another node holds the lease, the instance was deleted, the platform is
 * shutting down: no database round trip) ran the removal inside {@code computeIfAbsent} on the same
 * key, which does not work, and the failed wake-up stayed shared: every later request for the
 * instance got the same failure at once, without a new attempt (seen in the cluster test: a node
 * refused an instance for 20 s after the other node's lease had expired).
 */
class AWakeThatFailsAtOnceIsNotSharedForeverTest {
    @Test
    void eachRequestAfterAFastFailureTriesAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        ColdStarter starter = new ColdStarter(Runnable::run, new InstanceTraffic(), 100, Duration.ofSeconds(5),
                (id, release) -> {
                    if (attempts.incrementAndGet() < 3) {
                        release.completeExceptionally(new InstanceElsewhereException(id, "node-b"));
                    } else {
                        release.complete(new InstanceLifecycle.Wake(new InetSocketAddress("127.0.0.1", 1), 0, 0, true));
                    }
                });

        for (int i = 0; i < 2; i++) {
            CompletableFuture<InstanceLifecycle.Wake> refused = starter.hold("ins_1");
            assertThat(refused).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(InstanceElsewhereException.class);
        }
        InstanceLifecycle.Wake woken = starter.hold("ins_1").get();

        assertThat(woken.cold()).isTrue();
        assertThat(attempts.get()).as("one attempt per request, none shared after it failed").isEqualTo(3);
        assertThat(starter.held("ins_1")).isZero();
    }
}
