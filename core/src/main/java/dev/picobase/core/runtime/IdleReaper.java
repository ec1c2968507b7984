package dev.picobase.core.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops instances that had no request in flight for their idle timeout (the platform's, or the
 * instance's own). Each {@link #tick} queues at most one stop per instance on the blocking executor,
 * and the stop judges idleness again under the instance's lock: a request may have come meanwhile.
 *
 * <p>Threading: {@link #tick} runs on the lifecycle's timer and never blocks; thread-safe.
 */
final class IdleReaper {
    private static final Logger LOG = LoggerFactory.getLogger(IdleReaper.class);

    private final InstanceTraffic traffic;
    private final InstanceLocks locks;
    private final Executor blocking;
    private final Predicate<String> running;
    private final Consumer<String> stop;
    private final Duration defaultTimeout;
    private final ConcurrentHashMap<String, Duration> overrides = new ConcurrentHashMap<>();
    /** Instances whose idle stop is queued, so that the next tick does not queue another. */
    private final Set<String> queued = ConcurrentHashMap.newKeySet();

    IdleReaper(InstanceTraffic traffic, InstanceLocks locks, Executor blocking, Predicate<String> running,
               Consumer<String> stop, Duration defaultTimeout) {
        this.traffic = traffic;
        this.locks = locks;
        this.blocking = blocking;
        this.running = running;
        this.stop = stop;
        this.defaultTimeout = defaultTimeout;
    }

    /** How often {@link #tick} should run: a quarter of the idle timeout, within 100 ms and 1 s. */
    Duration period() {
        return Duration.ofMillis(Math.max(100, Math.min(1000, defaultTimeout.toMillis() / 4)));
    }

    /** Sets (or, with empty, clears) the instance's own idle timeout. */
    void idleTimeout(String instanceId, Optional<Duration> timeout) {
        timeout.ifPresentOrElse(t -> overrides.put(instanceId, t), () -> overrides.remove(instanceId));
    }

    void forget(String instanceId) {
        overrides.remove(instanceId);
    }

    void tick() {
        for (String id : List.copyOf(traffic.known())) {
            if (idle(id) && running.test(id) && !locks.isLocked(id) && queued.add(id)) {
                try {
                    blocking.execute(() -> stopIfStillIdle(id));
                } catch (RejectedExecutionException busy) {
                    queued.remove(id); // the next tick tries again
                }
            }
        }
    }

    private void stopIfStillIdle(String id) {
        try {
            locks.runLocked(id, () -> {
                if (idle(id) && running.test(id)) {
                    stop.accept(id);
                    LOG.info("instance {} stopped after {} idle", id, timeout(id));
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("idle stop of {} failed: {}", id, e.getMessage());
        } finally {
            queued.remove(id);
        }
    }

    private boolean idle(String instanceId) {
        return traffic.idleNanos(instanceId) >= timeout(instanceId).toNanos();
    }

    private Duration timeout(String instanceId) {
        return overrides.getOrDefault(instanceId, defaultTimeout);
    }
}
