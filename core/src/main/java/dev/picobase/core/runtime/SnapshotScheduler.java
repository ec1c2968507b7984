package dev.picobase.core.runtime;

import dev.picobase.core.snapshot.Snapshots;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the writes at risk if the host dies: every {@code PICOBASE_SNAPSHOT_INTERVAL}, each running
 * instance whose data changed since its last snapshot is snapshotted while it keeps serving. An
 * instance whose lock is taken is skipped this round (a start or stop is under way; a stop saves).
 *
 * <p>Threading: {@link #tick} runs on the lifecycle's timer and never blocks; the snapshots run on
 * the blocking executor.
 */
final class SnapshotScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotScheduler.class);

    private final InstanceTraffic traffic;
    private final InstanceLocks locks;
    private final Executor blocking;
    private final Snapshots snapshots;
    private final InstanceDirectories directories;
    /** Running and not deleted: judged again under the lock before each snapshot. */
    private final Predicate<String> serving;

    SnapshotScheduler(InstanceTraffic traffic, InstanceLocks locks, Executor blocking, Snapshots snapshots,
                      InstanceDirectories directories, Predicate<String> serving) {
        this.traffic = traffic;
        this.locks = locks;
        this.blocking = blocking;
        this.snapshots = snapshots;
        this.directories = directories;
        this.serving = serving;
    }

    void tick() {
        for (String id : List.copyOf(traffic.known())) {
            if (!serving.test(id) || locks.isLocked(id)) {
                continue;
            }
            try {
                blocking.execute(() -> locks.tryRunLocked(id, () -> snapshot(id)));
            } catch (RejectedExecutionException busy) {
                return; // the pool is full: the next round tries again
            }
        }
    }

    private void snapshot(String id) {
        try {
            if (serving.test(id)) {
                snapshots.saveRunning(id, directories.pbData(id)).ifPresent(s ->
                        LOG.info("instance {}: periodic snapshot {} ({} bytes)", id, s.id(), s.sizeBytes()));
            }
        } catch (RuntimeException e) {
            LOG.warn("instance {}: periodic snapshot failed (will try again): {}", id, e.getMessage());
        }
    }
}
