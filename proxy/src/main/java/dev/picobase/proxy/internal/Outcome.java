package dev.picobase.proxy.internal;

import dev.picobase.proxy.Backends;
import dev.picobase.proxy.RateLimits;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/** What admission decided for a request: forward it to a backend, or answer it at the gateway. */
sealed interface Outcome {
    /** Nobody will use it (its client went away meanwhile): an answer is released, a counted target ended. */
    void discard(Backends backends);

    /**
     * Forward to {@code backend}. {@code serverTiming}, when set, is added to the response (the
     * request woke the instance); {@code keyId} is the key that admitted it (its streams close when it
     * is revoked). With {@code hopTo} (a node id), {@code backend} is that owner node's gateway (cluster
     * mode) and the target was not counted for idle tracking: nothing is ended for it. {@code rateLimit},
     * when the instance has a limit, is the request's count against it, whose headers go on the response.
     */
    record Forward(String instanceId, String keyId, InetSocketAddress backend, String serverTiming, String hopTo,
                   RateLimits.Taken rateLimit) implements Outcome {
        public Forward(String instanceId, String keyId, InetSocketAddress backend, String serverTiming, String hopTo) {
            this(instanceId, keyId, backend, serverTiming, hopTo, null);
        }

        @Override
        public void discard(Backends backends) {
            if (hopTo == null) {
                backends.exchangeEnded(instanceId); // its target counted it as started
            }
        }

        Forward withRateLimit(RateLimits.Taken taken) {
            return taken == null ? this : new Forward(instanceId, keyId, backend, serverTiming, hopTo, taken);
        }
    }

    record Respond(FullHttpResponse response) implements Outcome {
        @Override
        public void discard(Backends backends) {
            ReferenceCountUtil.release(response);
        }
    }
}
