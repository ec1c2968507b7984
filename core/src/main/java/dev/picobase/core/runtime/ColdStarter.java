package dev.picobase.core.runtime;

import dev.picobase.core.runtime.InstanceLifecycle.Wake;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Holds the requests that find an instance asleep while one wake-up starts it: however many requests
 * wait, the instance is started once ({@code wake} runs once per round on the blocking executor). At
 * most {@code holdMaxRequests} wait per instance, each for at most {@code holdTimeout}; past either a
 * request fails with {@link HoldLimitException} (the gateway answers 503 with {@code Retry-After}).
 * A released request counts itself in flight ({@link InstanceTraffic#started}) in its completion,
 * which the wake-up runs while it still holds the instance's lock.
 *
 * <p>Threading: {@link #hold} never blocks; thread-safe.
 */
final class ColdStarter {
    private final Executor blocking;
    private final InstanceTraffic traffic;
    private final int holdMaxRequests;
    private final Duration holdTimeout;
    /** Starts the instance and completes the future (under the instance's lock), however it ends. */
    private final BiConsumer<String, CompletableFuture<Wake>> wake;
    /** One wake-up per instance, however many requests wait for it. */
    private final ConcurrentHashMap<String, CompletableFuture<Wake>> waking = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> held = new ConcurrentHashMap<>();

    ColdStarter(Executor blocking, InstanceTraffic traffic, int holdMaxRequests, Duration holdTimeout,
                BiConsumer<String, CompletableFuture<Wake>> wake) {
        this.blocking = blocking;
        this.traffic = traffic;
        this.holdMaxRequests = holdMaxRequests;
        this.holdTimeout = holdTimeout;
        this.wake = wake;
    }

    /** Holds a request until the instance runs; completes with where it listens, the request counted in flight. */
    CompletableFuture<Wake> hold(String instanceId) {
        AtomicInteger waiting = held.computeIfAbsent(instanceId, id -> new AtomicInteger());
        if (waiting.incrementAndGet() > holdMaxRequests) {
            waiting.decrementAndGet();
            return CompletableFuture.failedFuture(new HoldLimitException(
                    "too many requests are waiting for this instance to start; try again shortly"));
        }
        CompletableFuture<Wake> created = new CompletableFuture<>();
        CompletableFuture<Wake> shared = waking.putIfAbsent(instanceId, created);
        if (shared == null) {
            shared = created;
            // Registered before the wake is queued, and outside any map operation: a wake that fails at
            // once (another node holds the lease) used to complete before this was registered, so the
            // removal ran inside computeIfAbsent, failed, and left the failed wake-up shared for good.
            created.whenComplete((w, t) -> waking.remove(instanceId, created));
            try {
                blocking.execute(() -> wake.accept(instanceId, created));
            } catch (RejectedExecutionException busy) {
                created.completeExceptionally(busy); // nothing will complete a wake that was never queued
            }
        }
        // Runs on the waking thread, inside the wake-up's lock, when it succeeds in time.
        return shared.copy()
                .orTimeout(holdTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(w -> {
                    traffic.started(instanceId);
                    return w;
                })
                .exceptionallyCompose(t -> CompletableFuture.failedFuture(
                        unwrap(t) instanceof TimeoutException
                                ? new HoldLimitException("the instance did not start within " + holdTimeout
                                        + "; try again shortly")
                                : unwrap(t)))
                .whenComplete((w, t) -> waiting.decrementAndGet());
    }

    /** How many requests are waiting for {@code instanceId} to start. */
    int held(String instanceId) {
        AtomicInteger waiting = held.get(instanceId);
        return waiting == null ? 0 : waiting.get();
    }

    /** How many requests are waiting for any instance (one pass over a small map of counters). */
    int held() {
        int total = 0;
        for (AtomicInteger waiting : held.values()) {
            total += waiting.get();
        }
        return total;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
