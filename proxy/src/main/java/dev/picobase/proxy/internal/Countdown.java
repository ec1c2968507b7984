package dev.picobase.proxy.internal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One timeout of a connection (the head timeout, the response timeout, a stalled client): started,
 * cancelled, started again, never two at once.
 *
 * <p>Threading: the connection's event loop only.
 */
final class Countdown {
    private ScheduledFuture<?> pending;

    /** Runs {@code then} after {@code millis} unless cancelled first; replaces one already counting. */
    void start(EventExecutor loop, long millis, Runnable then) {
        cancel();
        pending = loop.schedule(() -> {
            pending = null;
            then.run();
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** As {@link #start}, unless one is already counting: that one goes on. */
    void startUnlessRunning(EventExecutor loop, long millis, Runnable then) {
        if (pending == null) {
            start(loop, millis, then);
        }
    }

    void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
