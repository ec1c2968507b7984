package dev.picobase.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picobase.core.process.PocketBaseProcess;
import dev.picobase.testsupport.InstanceRuntimeFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten callers asking for the same stopped instance at once (ten held requests, say) must share one
 * PocketBase: two processes on one {@code pb_data} would both write its database.
 */
class ConcurrentStartsLaunchOneProcessTest {
    @TempDir
    Path dataDir;

    @Test
    void tenConcurrentStartsGetTheSameProcess() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dataDir)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<PocketBaseProcess>> starts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                starts.add(pool.submit(() -> {
                    go.await();
                    return fixture.runtime().start("alpha");
                }));
            }
            go.countDown();
            List<Long> pids = new ArrayList<>();
            for (Future<PocketBaseProcess> start : starts) {
                pids.add(start.get().pid());
            }

            assertThat(pids).hasSize(10).containsOnly(pids.get(0));
            assertThat(fixture.runtime().logs("alpha", 500))
                    .filteredOn(l -> l.contains("picobase: starting PocketBase")).hasSize(1);
            assertThat(ProcessHandle.current().children()
                    .filter(p -> p.isAlive() && p.info().arguments().map(List::of).orElse(List.of()).stream()
                            .anyMatch(a -> a.startsWith("--dir=" + dataDir.toAbsolutePath())))
                    .map(ProcessHandle::pid)).containsExactly(pids.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void startingARunningInstanceReturnsTheRunningProcess() {
        try (InstanceRuntimeFixture fixture = InstanceRuntimeFixture.create(dataDir)) {
            PocketBaseProcess first = fixture.runtime().start("alpha");
            assertThat(fixture.runtime().start("alpha")).isSameAs(first);
        }
    }
}
