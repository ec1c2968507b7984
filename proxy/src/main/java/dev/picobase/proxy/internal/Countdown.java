package dev.picobase.proxy.internal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One timeout of a connection (the head timeout, the response timeout, a stalled client): started,
 * cancelled, started again, never two at once.
 *
 * <p>Started and cancelled once per exchange, so both are cheap: a start moves a deadline and a cancel
 * clears it, and one check at a time is scheduled on the loop. A check that finds the deadline moved on
 * schedules itself for the new one; one that finds it cleared does nothing. (Scheduling and cancelling a
 * task per exchange cost two priority-queue operations on a queue holding one task per connection, 8.6 %
 * of the gateway's CPU at 1,000 connections.) {@link #close} removes the check when its connection ends,
 * so a closed connection is not held until its timeout would have run out.
 *
 * <p>Threading: the connection's event loop only.
 */
final class Countdown {
    private EventExecutor loop;
    private Runnable then;
    /** The loop's {@link EventExecutor#ticker} time at which it runs out; meaningful only while {@link #counting}. */
    private long deadline;
    private boolean counting;
    private ScheduledFuture<?> check;
    /** When {@link #check} runs. */
    private long checkAt;

    /** Runs {@code then} after {@code millis} unless cancelled first; replaces one already counting. */
    void start(EventExecutor loop, long millis, Runnable then) {
        this.loop = loop;
        this.then = then;
        deadline = loop.ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        counting = true;
        if (check != null && checkAt - deadline > 0) { // a shorter timeout than the one checked for
            check.cancel(false);
            check = null;
        }
        if (check == null) {
            schedule();
        }
    }

    /** As {@link #start}, unless one is already counting: that one goes on. */
    void startUnlessRunning(EventExecutor loop, long millis, Runnable then) {
        if (!counting) {
            start(loop, millis, then);
        }
    }

    void cancel() {
        counting = false;
    }

    /** Cancels, and removes the scheduled check: the connection is over. */
    void close() {
        counting = false;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    private void schedule() {
        checkAt = deadline;
        check = loop.schedule(this::check, deadline - loop.ticker().nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void check() {
        check = null;
        if (!counting) {
            return;
        }
        if (deadline - loop.ticker().nanoTime() > 0) {
            schedule(); // started again since this check was scheduled
            return;
        }
        counting = false;
        then.run();
    }
}
