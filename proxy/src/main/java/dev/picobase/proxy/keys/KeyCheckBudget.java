package dev.picobase.proxy.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.util.NetUtil;
import java.time.Duration;
import java.util.HexFormat;
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
    record Reservation(Window pair, Window id, long retryAfterSeconds) {
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
    private final long windowNanos;
    private final Ticker ticker;
    private final Cache<String, Window> byIdAndAddress;
    private final Cache<String, Window> byId;

    KeyCheckBudget(int perAddress, int perId, Duration window, Ticker ticker) {
        this.perAddress = perAddress;
        this.perId = perId;
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        // Bounded: an attacker with very many addresses can push old windows out (each then gets a
        // fresh budget), but the total bcrypt work is still bounded by the key-check pool's queue.
        this.byIdAndAddress = Caffeine.newBuilder().executor(Runnable::run).ticker(ticker).maximumSize(200_000)
                .expireAfterWrite(windowNanos, TimeUnit.NANOSECONDS).build();
        this.byId = Caffeine.newBuilder().executor(Runnable::run).ticker(ticker).maximumSize(100_000)
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
        Window id = byId.get(publicId, k -> new Window(now));
        Window pair = byIdAndAddress.get(publicId + ' ' + addressBucket(address), k -> new Window(now));
        boolean underAttack = id.spent.get() >= perId;
        int cap = underAttack ? 1 : perAddress;
        int spent;
        do {
            spent = pair.spent.get();
            if (spent >= cap) {
                long ends = pair.startedNanos + windowNanos;
                if (underAttack) {
                    ends = Math.min(ends, id.startedNanos + windowNanos);
                }
                return new Reservation(null, null, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(ends - now + 999_999_999)));
            }
        } while (!pair.spent.compareAndSet(spent, spent + 1));
        id.spent.incrementAndGet();
        return new Reservation(pair, id, 0);
    }

    /** Gives back a check that did not fail. */
    void refund(Reservation r) {
        if (r.granted()) {
            r.pair().spent.decrementAndGet();
            r.id().spent.decrementAndGet();
        }
    }

    /** The unit an address is counted in: itself for IPv4, its /64 for IPv6. */
    static String addressBucket(String address) {
        byte[] bytes = address == null ? null : NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null || bytes.length != 16) {
            return String.valueOf(address);
        }
        if (isIpv4Mapped(bytes)) {
            return (bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "." + (bytes[15] & 0xff);
        }
        return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
