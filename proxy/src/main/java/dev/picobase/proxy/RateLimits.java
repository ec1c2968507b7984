package dev.picobase.proxy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.picobase.config.RateLimit;
import dev.picobase.core.model.Instance;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request rate limits per instance, enforced by the gateway in memory, on this node only: each node
 * of a cluster counts the requests it receives. An instance's limit is its own setting or, when it has
 * none, the platform default ({@code PICOBASE_RATE_LIMIT_DEFAULT}, off unless set).
 *
 * <p>Each limit is a token bucket (Bucket4j: lock-free, allocation-free on a consume, and its
 * {@link ConsumptionProbe} gives the remaining count and the wait that the {@code RateLimit-*} and
 * {@code Retry-After} headers need in the same call) of {@code requestsPerMinute} tokens refilled
 * evenly over a minute. A whole-instance limit has one bucket per instance, in a map bounded by the
 * number of instances. A per-address limit has one per (instance, client address) in a Caffeine cache
 * with a maximum size and an expiry after a few idle minutes, so a stranger spraying source addresses
 * cannot grow it without bound; at worst the buckets of idle addresses are evicted and start full again.
 * The instance buckets live apart from that cache so that no spray can evict (and refill) them.
 *
 * <p>An instance with no limit costs one map read and no allocation. Changing a limit (the control
 * API in this process, or another node's change through the cluster's log) starts its buckets afresh.
 *
 * <p>Threading: thread-safe; {@link #take} never blocks and runs on event loops.
 */
public final class RateLimits {
    /** Buckets of client addresses: enough for a busy platform, bounded against a spray. */
    static final int MAX_ADDRESS_BUCKETS = 200_000;
    private static final Duration ADDRESS_IDLE = Duration.ofMinutes(2);

    /** No limits at all (tests and tools that do not limit). */
    public static final RateLimits NONE = new RateLimits(Optional.empty());

    private final Optional<RateLimit> platformDefault;
    /** Instances with a limit of their own (from their settings); others use the default. */
    private final ConcurrentHashMap<String, RateLimit> own = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Limited> instanceBuckets = new ConcurrentHashMap<>();
    private final Cache<String, Limited> addressBuckets;

    public RateLimits(Optional<RateLimit> platformDefault) {
        this(platformDefault, MAX_ADDRESS_BUCKETS);
    }

    RateLimits(Optional<RateLimit> platformDefault, int maxAddressBuckets) {
        this.platformDefault = platformDefault;
        this.addressBuckets = Caffeine.newBuilder().executor(Runnable::run)
                .maximumSize(maxAddressBuckets).expireAfterAccess(ADDRESS_IDLE).build();
    }

    /** Buckets of client addresses held now (tests: it stays bounded). */
    long addressBuckets() {
        addressBuckets.cleanUp();
        return addressBuckets.estimatedSize();
    }

    /** Loads the instances' own limits; call once at start, off the event loop. */
    public void loadAll(Iterable<Instance> instances) {
        for (Instance i : instances) {
            set(i.id(), i.rateLimit());
        }
    }

    /** The instance's own limit changed ({@code empty}: back to the platform default); its buckets start afresh. */
    public void set(String instanceId, Optional<RateLimit> limit) {
        RateLimit previous = limit.isPresent() ? own.put(instanceId, limit.get()) : own.remove(instanceId);
        if (!limit.equals(Optional.ofNullable(previous))) {
            forgetBuckets(instanceId);
        }
    }

    /** The instance was deleted. */
    public void remove(String instanceId) {
        own.remove(instanceId);
        forgetBuckets(instanceId);
    }

    private void forgetBuckets(String instanceId) {
        instanceBuckets.remove(instanceId);
        String prefix = instanceId + '|';
        addressBuckets.asMap().keySet().removeIf(k -> k.startsWith(prefix));
    }

    /** The limit in force for the instance, if any. */
    public Optional<RateLimit> limitOf(String instanceId) {
        RateLimit limit = own.get(instanceId);
        return limit != null ? Optional.of(limit) : platformDefault;
    }

    /**
     * Counts one request from {@code clientAddress} to the instance: null when the instance has no
     * limit, else the verdict, whose headers go on the response either way.
     */
    public Taken take(String instanceId, String clientAddress) {
        RateLimit limit = own.get(instanceId);
        if (limit == null) {
            limit = platformDefault.orElse(null);
            if (limit == null) {
                return null;
            }
        }
        RateLimit chosen = limit;
        Limited bucket = limit.perAddress()
                ? addressBuckets.get(instanceId + '|' + AddressBuckets.of(clientAddress), k -> Limited.of(chosen))
                : instanceBuckets.get(instanceId);
        if (bucket == null) {
            bucket = instanceBuckets.computeIfAbsent(instanceId, k -> Limited.of(chosen));
        }
        ConsumptionProbe probe = bucket.bucket.tryConsumeAndReturnRemaining(1);
        return new Taken(bucket.limit.requestsPerMinute(), probe.isConsumed(), probe.getRemainingTokens(),
                seconds(probe.getNanosToWaitForReset()), seconds(probe.getNanosToWaitForRefill()));
    }

    private static long seconds(long nanos) {
        return Math.max(0, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    /** A bucket and the limit it was made for. */
    private record Limited(RateLimit limit, Bucket bucket) {
        static Limited of(RateLimit limit) {
            int n = limit.requestsPerMinute();
            return new Limited(limit, Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofMinutes(1)).build())
                    .build());
        }
    }

    /**
     * One request counted against a limit of {@code limit} a minute: {@code allowed} or not,
     * {@code remaining} requests left now, the bucket full again in {@code resetSeconds}, and (refused)
     * the next request allowed in {@code retryAfterSeconds}.
     */
    public record Taken(int limit, boolean allowed, long remaining, long resetSeconds, long retryAfterSeconds) {
        /** Adds {@code RateLimit-Limit}, {@code RateLimit-Remaining}, {@code RateLimit-Reset} and the policy. */
        public void addHeaders(HttpHeaders headers) {
            headers.set("RateLimit-Limit", limit)
                    .set("RateLimit-Remaining", remaining)
                    .set("RateLimit-Reset", resetSeconds)
                    .set("RateLimit-Policy", limit + ";w=60");
        }

        /** The answer past the limit: 429 in the gateway's JSON shape, with {@code Retry-After} and the headers. */
        public FullHttpResponse refusal() {
            FullHttpResponse r = GatewayErrors.tooManyRequests("rate_limited", "this instance allows " + limit
                    + " requests a minute" + "; try again in " + Math.max(1, retryAfterSeconds) + " s",
                    Math.max(1, retryAfterSeconds));
            addHeaders(r.headers());
            return r;
        }
    }
}
