package dev.picobase.proxy.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.picobase.proxy.AddressBuckets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many bcrypt checks of unknown secrets one public key id may cost, counted per (public id,
 * client address) in one-minute windows, with a much larger count per public id across addresses
 * that only marks the id as under attack. See {@link ApiKeyVerifier} for why it is shaped so.
 *
 * <p>A check is reserved before it runs and refunded when it did not fail (the secret was right, or
 * the id is unknown and no bcrypt ran), so a burst of concurrent wrong secrets from one address
 * cannot slip past the cap before the first failures are counted. IPv6 clients are counted per /64,
 * the block one subscriber usually holds, so rotating addresses inside it buys nothing.
 *
 * <p>Threading: any thread; lock-free (Caffeine maps and compare-and-set on the counters), cheap
 * enough for the event loop.
 */
final class KeyCheckBudget {
    /** A reserved check: keep it when the check failed, give it back otherwise. */
    record Reservation(Window pair, Window id, Window address, long retryAfterSeconds) {
        boolean granted() {
            return pair != null;
        }
    }

    /** Checks spent (or in progress) in one window, which ends {@code windowNanos} after it began. */
    static final class Window {
        final long startedNanos;
        final AtomicInteger spent = new AtomicInteger();

        Window(long startedNanos) {
            this.startedNanos = startedNanos;
        }
    }

    private final int perAddress;
    private final int perId;
    private final int perAddressAllIds;
    private final long windowNanos;
    private final Ticker ticker;
    private final Cache<String, Window> byIdAndAddress;
    private final Cache<String, Window> byId;
    private final Cache<String, Window> byAddress;

    /**
     * @param perAddress       failed checks of one id from one address per window
     * @param perId            failed checks of one id from all addresses per window, past which it is under attack
     * @param perAddressAllIds failed checks from one address over all ids per window: without it, one
     *                         address cycling through many ids (a tenant can create as many keys as it
     *                         likes) filled the key-check pool and other tenants' fresh keys waited 30 s
     */
    KeyCheckBudget(int perAddress, int perId, int perAddressAllIds, Duration window, Ticker ticker) {
        this.perAddress = perAddress;
        this.perId = perId;
        this.perAddressAllIds = perAddressAllIds;
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        // Bounded: an attacker with very many addresses can push old windows out (each then gets a
        // fresh budget), but the total bcrypt work is still bounded by the key-check pool's queue.
        this.byIdAndAddress = Caffeine.newBuilder().executor(Runnable::run).ticker(ticker).maximumSize(200_000)
                .expireAfterWrite(windowNanos, TimeUnit.NANOSECONDS).build();
        this.byId = Caffeine.newBuilder().executor(Runnable::run).ticker(ticker).maximumSize(100_000)
                .expireAfterWrite(windowNanos, TimeUnit.NANOSECONDS).build();
        this.byAddress = Caffeine.newBuilder().executor(Runnable::run).ticker(ticker).maximumSize(100_000)
                .expireAfterWrite(windowNanos, TimeUnit.NANOSECONDS).build();
    }

    /**
     * Reserves one check of a secret for {@code publicId} from {@code address}. Refused when the
     * address has spent its own budget for the id, or when the id is under attack (more than the
     * per-id count of failures from all addresses) and this address has failed for it already: an
     * address with no failure of its own for the id always gets its check.
     */
    Reservation reserve(String publicId, String address) {
        long now = ticker.read();
        String bucket = AddressBuckets.of(address);
        Window all = byAddress.get(bucket, k -> new Window(now));
        if (!take(all, perAddressAllIds)) {
            return refused(all.startedNanos + windowNanos, now);
        }
        Window id = byId.get(publicId, k -> new Window(now));
        Window pair = byIdAndAddress.get(publicId + ' ' + bucket, k -> new Window(now));
        boolean underAttack = id.spent.get() >= perId;
        if (!take(pair, underAttack ? 1 : perAddress)) {
            all.spent.decrementAndGet();
            long ends = pair.startedNanos + windowNanos;
            return refused(underAttack ? Math.min(ends, id.startedNanos + windowNanos) : ends, now);
        }
        id.spent.incrementAndGet();
        return new Reservation(pair, id, all, 0);
    }

    /** One more check in {@code w} if fewer than {@code cap} are spent; atomically. */
    private static boolean take(Window w, int cap) {
        int spent;
        do {
            spent = w.spent.get();
            if (spent >= cap) {
                return false;
            }
        } while (!w.spent.compareAndSet(spent, spent + 1));
        return true;
    }

    private static Reservation refused(long endsNanos, long now) {
        return new Reservation(null, null, null, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(endsNanos - now + 999_999_999)));
    }

    /** Gives back a check that did not fail. */
    void refund(Reservation r) {
        if (r.granted()) {
            r.pair().spent.decrementAndGet();
            r.id().spent.decrementAndGet();
            r.address().spent.decrementAndGet();
        }
    }
}
