package dev.picobase.core.runtime;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per instance: start, stop, save, restore, delete and eviction of one instance run one at a
 * time (a start waits for a stop's save), while different instances proceed in parallel. Reentrant, so
 * a restore may stop the instance it holds. Held across blocking work (process starts, uploads): take
 * it on blocking executors only.
 *
 * <p>Threading: thread-safe.
 */
final class InstanceLocks {
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** Runs {@code work} holding the instance's lock, and returns what it returns. */
    <T> T withLock(String instanceId, Supplier<T> work) {
        ReentrantLock lock = lock(instanceId);
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    void runLocked(String instanceId, Runnable work) {
        withLock(instanceId, () -> {
            work.run();
            return null;
        });
    }

    /** Runs {@code work} if the lock is free now; false (and nothing run) if another thread holds it. */
    boolean tryRunLocked(String instanceId, Runnable work) {
        ReentrantLock lock = lock(instanceId);
        if (!lock.tryLock()) {
            return false;
        }
        try {
            work.run();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether some thread holds the instance's lock at this moment (a hint: it may change at once). */
    boolean isLocked(String instanceId) {
        ReentrantLock lock = locks.get(instanceId);
        return lock != null && lock.isLocked();
    }

    private ReentrantLock lock(String instanceId) {
        return locks.computeIfAbsent(instanceId, id -> new ReentrantLock());
    }
}
