package dev.picobase.proxy.internal;

import dev.picobase.proxy.AddressBuckets;
import dev.picobase.proxy.GatewayErrors;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The long-lived streams (SSE, WebSocket) open through the gateway, counted per client address and
 * per instance, and indexed by the API key that opened them. A stream holds a connection on both
 * sides and memory in PocketBase for as long as the client likes: without a cap, one account opened
 * ~10,000 realtime streams and took the file descriptors of the whole platform and 2.6 GB of one
 * PocketBase. Past a cap the request is answered 429 with {@code Retry-After} before it reaches
 * PocketBase; other tenants' streams are counted apart and never refused for it.
 *
 * <p>Revoking a key closes the streams it opened ({@link #closeAllOf}): a stream is authorised once,
 * when it opens, so without this a revoked key's stream would keep receiving events.
 *
 * <p>Threading: {@link #open} and {@link Slot#close} run on client event loops, {@link #closeAllOf}
 * on whichever thread revokes; all state is in concurrent maps updated atomically.
 */
final class OpenStreams {
    private final int perAddress;
    private final int perInstance;
    private final ConcurrentHashMap<String, Integer> byAddress = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> byInstance = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Channel>> byKey = new ConcurrentHashMap<>();
    private final Predicate<String> revokedLately;

    /** @param revokedLately whether a key was revoked lately ({@link dev.picobase.proxy.keys.ApiKeyVerifier#revokedLately}) */
    public OpenStreams(int perAddress, int perInstance, Predicate<String> revokedLately) {
        this.perAddress = perAddress;
        this.perInstance = perInstance;
        this.revokedLately = revokedLately;
    }

    /** A stream counted in; {@link #refusal()} is set (and nothing counted) when a cap was reached. */
    final class Slot {
        private final String instanceId;
        private final String address;
        private final String keyId;
        private final Channel client;
        private final FullHttpResponse refusal;
        private boolean closed;

        private Slot(String instanceId, String address, String keyId, Channel client, FullHttpResponse refusal) {
            this.instanceId = instanceId;
            this.address = address;
            this.keyId = keyId;
            this.client = client;
            this.refusal = refusal;
            this.closed = refusal != null;
        }

        /** The answer to send instead of forwarding, or null when the stream may open. */
        public FullHttpResponse refusal() {
            return refusal;
        }

        /** Gives the slot back (the stream ended); idempotent. */
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            decrement(byAddress, address);
            decrement(byInstance, instanceId);
            if (keyId != null) {
                byKey.computeIfPresent(keyId, (k, channels) -> {
                    channels.remove(client);
                    return channels.isEmpty() ? null : channels;
                });
            }
        }
    }

    /** Counts a stream of {@code instanceId} from {@code address}, opened with key {@code keyId}. */
    public Slot open(String instanceId, String clientAddress, String keyId, Channel client) {
        String address = AddressBuckets.of(clientAddress);
        if (byAddress.merge(address, 1, Integer::sum) > perAddress) {
            decrement(byAddress, address);
            return new Slot(instanceId, address, keyId, client, GatewayErrors.tooManyRequests("too_many_streams",
                    "too many open realtime streams from your address (at most " + perAddress + ")", 5));
        }
        if (byInstance.merge(instanceId, 1, Integer::sum) > perInstance) {
            decrement(byInstance, instanceId);
            decrement(byAddress, address);
            return new Slot(instanceId, address, keyId, client, GatewayErrors.tooManyRequests("too_many_streams",
                    "this instance has too many open realtime streams (at most " + perInstance + ")", 5));
        }
        Slot slot = new Slot(instanceId, address, keyId, client, null);
        if (keyId != null) {
            byKey.computeIfAbsent(keyId, k -> ConcurrentHashMap.newKeySet()).add(client);
            // Registered first, looked up second: a revocation that ran meanwhile either closes this
            // channel or is seen here (a request admitted before its key was revoked, e.g. one that
            // waited for the instance to wake, must not open a stream after it).
            if (revokedLately.test(keyId)) {
                slot.close();
                return new Slot(instanceId, address, keyId, client,
                        GatewayErrors.unauthorized("the API key was revoked"));
            }
        }
        return slot;
    }

    /**
     * Closes every stream opened with key {@code keyId}; returns how many. Call after the key's
     * revocation is recorded, so that a stream registering meanwhile sees it in {@link #open}.
     */
    public int closeAllOf(String keyId) {
        Set<Channel> channels = byKey.remove(keyId);
        if (channels == null) {
            return 0;
        }
        channels.forEach(Channel::close);
        return channels.size();
    }

    private static void decrement(ConcurrentHashMap<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
    }
}
