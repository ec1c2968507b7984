package dev.picobase.core.runtime;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-instance requests in flight (open SSE and WebSocket streams count until they close) and the
 * time of the last activity, as the gateway reports them; the idle reaper reads it.
 *
 * <p>Threading: lock-free; called on event loops for every request.
 */
public final class InstanceTraffic {
    private static final class Counter {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong lastActivityNanos = new AtomicLong(System.nanoTime());
    }

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public void started(String instanceId) {
        Counter c = counters.computeIfAbsent(instanceId, id -> new Counter());
        c.inFlight.incrementAndGet();
        c.lastActivityNanos.set(System.nanoTime());
    }

    public void ended(String instanceId) {
        Counter c = counters.get(instanceId);
        if (c != null) {
            c.inFlight.decrementAndGet();
            c.lastActivityNanos.set(System.nanoTime());
        }
    }

    /** Counts as activity without a request (an instance just started by hand). */
    public void touch(String instanceId) {
        counters.computeIfAbsent(instanceId, id -> new Counter()).lastActivityNanos.set(System.nanoTime());
    }

    public int inFlight(String instanceId) {
        Counter c = counters.get(instanceId);
        return c == null ? 0 : c.inFlight.get();
    }

    /** Nanoseconds since the last activity (0 while a request is in flight). */
    public long idleNanos(String instanceId) {
        Counter c = counters.get(instanceId);
        if (c == null) {
            return Long.MAX_VALUE;
        }
        return c.inFlight.get() > 0 ? 0 : System.nanoTime() - c.lastActivityNanos.get();
    }

    public Set<String> known() {
        return counters.keySet();
    }

    public void forget(String instanceId) {
        counters.remove(instanceId);
    }
}
