package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.model.InstanceStatus;
import dev.picobase.testsupport.Deadline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What went wrong: a PocketBase that died was marked {@code failed} by a task queued on the blocking
 * pool, which checked "not running" when it was queued, not when it ran. A request that restarted the
 * instance in between left it serving but {@code failed}. The mark is now judged under the instance's
 * lock when it runs: the restarted instance stays {@code running}.
 */
@Timeout(60)
class LateExitReportDoesNotFailARestartedInstanceTest {
    @TempDir
    Path dir;

    @Test
    void anExitJudgedAfterARestartLeavesTheInstanceRunning() throws Exception {
        try (LifecycleOnManualExecutor f = new LifecycleOnManualExecutor(dir, 10)) {
            f.lifecycle.start(f.instanceId);
            long firstPid = f.lifecycle.running(f.instanceId).orElseThrow().pid();

            f.blocking.mode = LifecycleOnManualExecutor.Mode.QUEUE;
            ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();
            Deadline.await("the exit to be reported", Duration.ofSeconds(10), () -> !f.blocking.queued.isEmpty());
            Runnable markFailed = f.blocking.queued.take();
            CompletableFuture<InstanceLifecycle.Wake> request = f.lifecycle.ensureRunning(f.instanceId);
            Runnable wake = f.blocking.queued.poll(10, TimeUnit.SECONDS);
            f.blocking.mode = LifecycleOnManualExecutor.Mode.RUN;
            wake.run(); // the request restarts it first ...
            request.get(30, TimeUnit.SECONDS);
            markFailed.run(); // ... then the exit report runs

            assertThat(f.lifecycle.running(f.instanceId)).isPresent()
                    .hasValueSatisfying(p -> assertThat(p.pid()).isNotEqualTo(firstPid));
            assertThat(f.instance().status()).isEqualTo(InstanceStatus.RUNNING);
            f.lifecycle.traffic().ended(f.instanceId);
        }
    }
}
