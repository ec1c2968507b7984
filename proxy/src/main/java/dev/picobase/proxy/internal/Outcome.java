package dev.picobase.proxy.internal;

import io.netty.handler.codec.http.FullHttpResponse;
import java.net.InetSocketAddress;

/** What admission decided for a request: forward it to a backend, or answer it at the gateway. */
public sealed interface Outcome {
    /**
     * Forward to {@code backend}. {@code serverTiming}, when set, is added to the response (the
     * request woke the instance); {@code keyId} is the key that admitted it (its streams close when it
     * is revoked). With {@code hopTo} (a node id), {@code backend} is that owner node's gateway (cluster
     * mode) and the target was not counted for idle tracking: nothing is ended for it.
     */
    record Forward(String instanceId, String keyId, InetSocketAddress backend, String serverTiming, String hopTo)
            implements Outcome {}

    record Respond(FullHttpResponse response) implements Outcome {}
}
