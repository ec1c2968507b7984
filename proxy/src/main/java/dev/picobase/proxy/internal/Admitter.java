package dev.picobase.proxy.internal;

import io.netty.handler.codec.http.HttpRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Decides, for a request head, whether it is forwarded and where, or answered at the gateway: the
 * gateway's {@link Admission}, or the fixed target of its {@link Warmup}.
 *
 * <p>Threading: called on an event loop; never blocks.
 */
@FunctionalInterface
interface Admitter {
    /**
     * @param clientAddress the client's IP address, which key-check budgets and rate limits are counted by
     * @param hop the request carries a valid {@link dev.picobase.proxy.ClusterHop} header
     */
    CompletableFuture<Outcome> admit(HttpRequest request, String clientAddress, boolean hop);
}
