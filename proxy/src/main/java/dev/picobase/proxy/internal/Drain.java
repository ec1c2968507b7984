package dev.picobase.proxy.internal;

import java.time.Duration;

/**
 * The gateway's graceful stop, as clients on kept-alive connections need it. Closing the listener stops
 * new connections, but a load balancer (nginx's upstream {@code keepalive}) or another node's connection
 * pool goes on sending requests on the connections it holds; closing such a connection while a request is
 * on its way loses the request without an answer, and a POST lost that way cannot be retried by anyone
 * (nginx answered 502, a forwarding node 502 {@code backend_failed}: one to four of about 4,000 writes per
 * three-node rolling restart). So while draining, every response says {@code Connection: close} and its
 * connection is closed after it — the client learns it from the response, never from a reset — and the
 * stop closes what is left only once no request has begun for a quiet period.
 *
 * <p>Threading: thread-safe. Event loops read {@link #draining} and report requests; the thread that
 * stops the gateway starts the drain and waits.
 */
public final class Drain {
    private volatile boolean draining;
    private volatile long lastBeganNanos;

    /** From now on every response closes its connection. */
    public void begin() {
        lastBeganNanos = System.nanoTime();
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** A request began (an event loop, once per request; a write only while draining). */
    void requestBegan() {
        if (draining) {
            lastBeganNanos = System.nanoTime();
        }
    }

    /** Whether no request has begun for {@code quiet} since the drain began. */
    public boolean quietFor(Duration quiet) {
        return System.nanoTime() - lastBeganNanos >= quiet.toNanos();
    }
}
