package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.model.InstanceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: when the blocking pool refused the wake-up ({@code RejectedExecutionException}),
 * {@code ensureRunning} threw with the request already counted as held, and the count was never given
 * back. After as many refusals as the hold limit, every request for the instance got "too many
 * requests are waiting" although none waited, until the platform restarted. Now the refusal is a
 * failed future (the gateway answers 503 busy) and the count is given back.
 */
@Timeout(60)
class HeldRequestsAreReleasedWhenTheWakeCannotBeQueuedTest {
    private static final int HOLD_MAX = 3;

    @TempDir
    Path dir;

    @Test
    void refusedWakesGiveTheirHoldBackAndTheNextRequestWakesTheInstance() throws Exception {
        try (LifecycleOnManualExecutor f = new LifecycleOnManualExecutor(dir, HOLD_MAX)) {
            f.blocking.mode = LifecycleOnManualExecutor.Mode.REJECT;
            for (int i = 0; i < HOLD_MAX + 1; i++) {
                CompletableFuture<InstanceLifecycle.Wake> refused = f.lifecycle.ensureRunning(f.instanceId);
                assertThat(refused).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(RejectedExecutionException.class);
                assertThat(f.lifecycle.heldRequests(f.instanceId)).isZero();
            }

            f.blocking.mode = LifecycleOnManualExecutor.Mode.RUN;
            InstanceLifecycle.Wake wake = f.lifecycle.ensureRunning(f.instanceId).get(30, TimeUnit.SECONDS);

            assertThat(wake.cold()).isTrue();
            // Written once the held requests are released (off their path), under the instance's lock.
            dev.picobase.testsupport.Deadline.await("the running status", Duration.ofSeconds(10),
                    () -> f.instance().status() == InstanceStatus.RUNNING);
            assertThat(f.lifecycle.traffic().inFlight(f.instanceId)).as("the released request").isEqualTo(1);
            f.lifecycle.traffic().ended(f.instanceId);
        }
    }
}
