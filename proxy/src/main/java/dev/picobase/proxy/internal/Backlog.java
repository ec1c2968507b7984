package dev.picobase.proxy.internal;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a client pipelined behind the request being served — the next request heads and their bodies —
 * in the order it arrived, until the connection can take it.
 *
 * <p>Threading: the client channel's event loop.
 */
final class Backlog {
    private final ArrayDeque<Object> waiting = new ArrayDeque<>(2); // one per connection: small until used

    /**
     * Keeps {@code msg} if it must wait: something waits already (order is kept), or it is a next
     * request head while the connection is {@code busy} with one.
     */
    boolean holds(Object msg, boolean busy) {
        if (waiting.isEmpty() && !(busy && msg instanceof HttpRequest)) {
            return false;
        }
        waiting.add(msg);
        return true;
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Hands what waits to {@code to}, in order; a request head only while {@code ready} says so. */
    void replay(Consumer<Object> to, BooleanSupplier ready) {
        while (!waiting.isEmpty() && (ready.getAsBoolean() || !(waiting.peek() instanceof HttpRequest))) {
            to.accept(waiting.poll());
        }
    }

    /** The connection is over: releases what waits. */
    void release() {
        Object m;
        while ((m = waiting.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
